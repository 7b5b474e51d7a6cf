#!/usr/bin/env bash
# Browser tests: Debian's chromium, driven by playwright-core.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt chromium
