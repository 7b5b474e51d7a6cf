#!/usr/bin/env bash
# FinOps: `promtool test rules` checks the budget alert rule (infra/monitoring),
# and openssl makes the self-signed certificate of the OVH contract server.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt prometheus openssl
