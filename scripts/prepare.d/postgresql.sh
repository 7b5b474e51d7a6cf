#!/usr/bin/env bash
# Production mode: the backend's integration test runs on Debian's PostgreSQL
# server, which the test starts itself (initdb + pg_ctl on a loopback port).
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt postgresql
