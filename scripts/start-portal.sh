#!/usr/bin/env bash
# The portal on the embedded default (npm start): app-config.yaml plus guest
# sign-in, which production never loads. Paths are absolute because the
# backend resolves them from its own package folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exec node_modules/.bin/backstage-cli repo start --config "$root/app-config.yaml" --config "$root/app-config.guest.yaml" "$@"
