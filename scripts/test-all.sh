#!/usr/bin/env bash
# The whole suite: type check; unit and integration tests (jest) against the
# real backend and the testbed (Kubernetes, Velero, S3 with Object Lock,
# restic), brought up once for the run; browser end-to-end tests (Debian
# chromium + playwright-core) against the portal on that testbed; then
# Ansible on two systemd nodes and the testbed's own life cycle. Ends with one "tests: N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
cd "$repo_root"
export CI="${CI:-true}"
results="$repo_root/node_modules/.cache/uyoop-test-results"
mkdir -p "$results"
rm -f "$results"/*.json

# Setup steps (scripts/prepare.d/*.sh: apt packages, cached builds) run in
# parallel; each is idempotent and logs to the results folder.
log "preparing: $(cd scripts/prepare.d && ls *.sh | tr '\n' ' ')"
pids=()
for step in scripts/prepare.d/*.sh; do
  name="$(basename "$step" .sh)"
  bash "$step" >"$results/prepare-$name.log" 2>&1 &
  pids+=("$!:$name")
done
for entry in "${pids[@]}"; do
  if ! wait "${entry%%:*}"; then
    log "setup step ${entry#*:} failed, see $results/prepare-${entry#*:}.log"
    tail -n 20 "$results/prepare-${entry#*:}.log" >&2
    echo "tests: 0 passed, 1 failed"
    exit 1
  fi
done

status=0
testbed_up=0
stop_testbed() { if [ "$testbed_up" = 1 ]; then yarn testbed down >"$results/testbed-down.log" 2>&1 || true; testbed_up=0; fi; }
trap stop_testbed EXIT

log "type check"
yarn tsc || status=1

log "testbed up"
if yarn testbed up >"$results/testbed-up.log" 2>&1; then
  testbed_up=1
else
  status=1
  log "testbed up failed, see $results/testbed-up.log"
  tail -n 20 "$results/testbed-up.log" >&2
fi

log "unit and integration tests"
yarn backstage-cli repo test --testPathIgnorePatterns 'lifecycle\.test' 'nodes\.integration\.test' \
  --json --outputFile="$results/jest.json" || status=1

log "browser end-to-end tests (portal on the testbed)"
E2E_PORTAL=start:testbed PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" \
  yarn playwright test --reporter=list,json || status=1

stop_testbed

# Two systemd-nspawn nodes converged by Ansible: on their own, so that the
# rest of the suite does not starve them of the machine's two cores.
log "Ansible on two systemd nodes"
yarn backstage-cli repo test --testPathPatterns 'packages/provision/src/testing/nodes\.integration\.test' \
  --json --outputFile="$results/jest-nodes.json" || status=1

log "testbed life cycle"
testbed_up=1 # the life-cycle test ends with down; if it fails half-way, the trap still stops it
yarn backstage-cli repo test --testPathPatterns 'packages/testbed/src/lifecycle\.test' \
  --json --outputFile="$results/jest-lifecycle.json" || status=1

node -e '
const fs = require("fs");
const read = f => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return undefined; } };
let passed = 0, failed = 0;
for (const name of ["jest.json", "jest-nodes.json", "jest-lifecycle.json"]) {
  const jest = read(`${process.argv[1]}/${name}`);
  if (jest) { passed += jest.numPassedTests; failed += jest.numFailedTests + jest.numRuntimeErrorTestSuites; } else failed++;
}
const e2e = read(`${process.argv[1]}/e2e.json`);
// A run that could not start (its web server failed) reports errors, not tests.
if (e2e) { passed += e2e.stats.expected + e2e.stats.flaky; failed += e2e.stats.unexpected + (e2e.errors?.length ?? 0); } else failed++;
console.log(`tests: ${passed} passed, ${failed} failed`);
' "$results"
exit $status
