#!/usr/bin/env bash
# Setup for the infra/ansible tests (packages/provision): the controller's tools
# from Debian, and a cached Debian 12 root filesystem that the tests boot twice
# with systemd-nspawn as core-prod and ai-lab. The nodes have no network, so the
# .debs the roles install are downloaded here into the rootfs's apt cache.
# Idempotent: the rootfs is keyed by this script's package lists and rebuilt
# only when they change (about 3 min cold, instant warm).
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"

ensure_apt ansible ansible-lint yamllint lynis ssh-audit debootstrap systemd-container \
  cloud-init wireguard-tools openssh-client iproute2 age

# What a fresh OVH Debian 12 VPS has after cloud-init ran (plus python3-apt for
# Ansible's apt module, and the tools the test assertions use inside the nodes).
base_packages=(systemd systemd-sysv dbus libpam-systemd openssh-server sudo python3 python3-apt
  iproute2 iputils-ping netcat-openbsd procps ca-certificates less)
# What the roles install: pre-downloaded, never installed here.
role_packages=(unattended-upgrades apt-listchanges systemd-timesyncd curl gnupg
  nftables crowdsec crowdsec-firewall-bouncer wireguard-tools wireguard-go
  auditd acct aide aide-common chkrootkit debsums libpam-passwdqc libpam-tmpdir usbguard)
admin_user=uyoop
# The Debian mirrors this machine's apt already uses: no host is written in the repo.
apt_repo() { # apt_repo <suite>: the URI that serves <suite>
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | awk -v s="$1" '$2 == s {print $1; exit}'
}
mirror="$(apt_repo bookworm)"
security_mirror="$(apt_repo bookworm-security)"
[ -n "$mirror" ] || { echo "no apt source serves bookworm on this machine" >&2; exit 1; }

key="$(printf '%s\n' v1 "${base_packages[*]}" "${role_packages[*]}" "$admin_user" | sha256sum | cut -c1-12)"
cache="${UYOOP_CACHE:-$HOME/.cache/uyoop}/ansible-nodes"
rootfs="$cache/rootfs-bookworm-$key"
mkdir -p "$cache"

exec 8>"$cache/.prepare.lock"
flock 8
if [ -f "$rootfs/.uyoop-ready" ]; then
  log "ansible-nodes: rootfs $rootfs is ready (cached)"
else
  partial="$rootfs.partial"
  rm -rf "$partial"
  log "ansible-nodes: debootstrap bookworm into $partial (about 3 min)"
  debootstrap --variant=minbase --include="$(IFS=,; echo "${base_packages[*]}")" \
    bookworm "$partial" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
  cat >"$partial/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
${security_mirror:+deb $security_mirror bookworm-security main}
SRC
  cp /etc/resolv.conf "$partial/etc/resolv.conf"
  # The roles' packages and their dependencies, into the node's apt cache.
  chroot "$partial" apt-get update -qq
  chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -d \
    --no-install-recommends "${role_packages[@]}" >/dev/null
  # The admin user and sudo rule that the generated cloud-init user-data creates.
  chroot "$partial" useradd --create-home --shell /bin/bash --groups sudo "$admin_user"
  echo "$admin_user ALL=(ALL) NOPASSWD:ALL" >"$partial/etc/sudoers.d/90-cloud-init-users"
  chmod 0440 "$partial/etc/sudoers.d/90-cloud-init-users"
  # What cloud-init leaves on an OVH image: a drop-in that re-enables passwords.
  echo "PasswordAuthentication yes" >"$partial/etc/ssh/sshd_config.d/50-cloud-init.conf"
  rm -f "$partial/etc/resolv.conf" "$partial/etc/hostname" "$partial/etc/machine-id"
  : >"$partial/etc/machine-id"
  touch "$partial/.uyoop-ready"
  mv "$partial" "$rootfs"
  # Older rootfs versions are dead weight once no lab can still run on them
  # (a lab mounts its rootfs for its whole run): removed after a day.
  find "$cache" -maxdepth 1 -name 'rootfs-bookworm-*' ! -name "rootfs-bookworm-$key" -mmin +1440 -exec rm -rf {} +
  log "ansible-nodes: rootfs ready at $rootfs"
fi
ln -sfn "$rootfs" "$cache/rootfs"
