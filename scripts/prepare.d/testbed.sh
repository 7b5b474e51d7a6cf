#!/usr/bin/env bash
# The testbed's Debian packages, its Go-built tools, the real nodes' layer and
# images (all cached by version or content; cold about 25 min, warm seconds).
# The nodes boot from the Ansible node lab's root filesystem: prepared first.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt ceph-mon ceph-osd radosgw ceph-common restic rclone curl openssl iproute2 \
  umoci busybox-static wireguard-tools systemd-container debootstrap \
  "postgresql-$POSTGRESQL_MAJOR"
bash "$(dirname "$0")/ansible-nodes.sh"
cd "$repo_root" && node "$yarn_release" testbed build
