#!/usr/bin/env bash
# The whole suite (packages/ci/src/suite.ts): set-up, type check, jest against
# the real backend and the testbed, browser end-to-end tests, the Ansible node
# lab and the testbed's life cycle. Ends with one "tests: N passed, N failed,
# N skipped" line, read from the jest and Playwright reports.
set -euo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
cd "$repo_root"
export CI="${CI:-true}"
exec node "$repo_root/node_modules/.bin/tsx" scripts/test-all.ts "$@"
