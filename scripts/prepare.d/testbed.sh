#!/usr/bin/env bash
# The testbed's Debian packages and its Go-built tools (cached by version; cold about 16 min).
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt ceph-mon ceph-osd radosgw ceph-common python3-boto3 restic jq curl openssl iproute2
bash "$repo_root/scripts/testbed.sh" build
