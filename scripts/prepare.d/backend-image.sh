#!/usr/bin/env bash
# The production image test (packages/backend/src/image.test.ts): buildah
# (chroot isolation, no daemon) and debootstrap from Debian, then the base
# image, Debian 12 + Node 22, cached by version (about 3 min cold, instant warm).
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt buildah debootstrap
cd "$repo_root" && node "$yarn_release" backend-image base
