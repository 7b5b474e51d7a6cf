#!/usr/bin/env bash
# The portal's built frontend (packages/app/dist), which the backend's app
# plugin serves as in production: the production-mode test signs people in
# through it. Cached by content: rebuilt only when a file it is built from
# (the app, the plugins, the lockfile, the base config) changed.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_node
cd "$repo_root"

stamp=packages/app/dist/.uyoop-build-hash
sum="$(
  {
    find packages/app plugins -path '*/node_modules' -prune -o -path '*/dist' -prune \
      -o -path '*/dist-types' -prune -o -type f -print
    echo yarn.lock
    echo app-config.yaml
  } | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-32
)-$(node -v)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  log "portal app: packages/app/dist is up to date"
  exit 0
fi
log "portal app: building packages/app (sources changed)"
start=$(date +%s)
(cd packages/app && nice -n 10 node "$yarn_release" backstage-cli package build)
echo "$sum" >"$stamp"
log "portal app: built in $(( $(date +%s) - start )) s"
