#!/usr/bin/env bash
# `npm start` and `npm test` land here: make sure Node 22 and the dependencies
# are installed, then run the named yarn script with Node 22.
set -euo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
ensure_node
ensure_deps
cd "$repo_root"
exec node "$yarn_release" "$@"
