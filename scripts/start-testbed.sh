#!/usr/bin/env bash
# The portal on the embedded default plus the running testbed's cluster: the
# catalog's K3s services get stand-in workloads on their nodes, and the portal
# reads them with a read-only service account. Needs `yarn testbed up`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -f .testbed/env ] || { echo "testbed is not up: run yarn testbed up" >&2; exit 1; }
set -a
# shellcheck source=/dev/null
. .testbed/env
set +a
kubectl="$TESTBED_BIN/kubectl"

node_modules/.bin/tsx scripts/testbed.ts workloads
"$kubectl" apply -f infra/testbed/portal-reader.yaml >/dev/null
TESTBED_KUBE_TOKEN="$("$kubectl" -n kube-system create token uyoop-portal --duration=24h)"
TESTBED_KUBE_CA="$("$kubectl" config view --raw --minify --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
export TESTBED_KUBE_TOKEN TESTBED_KUBE_CA
echo "portal against the testbed cluster $TESTBED_KUBE_API"
exec node_modules/.bin/backstage-cli repo start --config "$root/app-config.yaml" --config "$root/app-config.guest.yaml" --config "$root/app-config.testbed.yaml"
