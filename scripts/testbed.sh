#!/usr/bin/env bash
# The local testbed: real components on loopback for the tests (see infra/testbed/README.md).
#
#   scripts/testbed.sh up       build what is missing (cached), start everything, write .testbed/env
#   scripts/testbed.sh down     stop what `up` started (by pid) and remove its state
#   scripts/testbed.sh status   each component: running/stopped, endpoints
#   scripts/testbed.sh build    only build the tools into the cache
#
# The simulated nodes come from the catalog: up writes the loader's node list
# (`yarn uyoop catalog nodes --json`) unless TESTBED_NODES_JSON names another file.
set -euo pipefail

LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../infra/testbed/lib" && pwd)"
# shellcheck source=infra/testbed/lib/common.sh
source "$LIB/common.sh"
# shellcheck source=infra/testbed/lib/build.sh
source "$LIB/build.sh"
# shellcheck source=infra/testbed/lib/s3.sh
source "$LIB/s3.sh"
# shellcheck source=infra/testbed/lib/kube.sh
source "$LIB/kube.sh"
# shellcheck source=infra/testbed/lib/velero.sh
source "$LIB/velero.sh"

COMPONENTS=(ceph-mon ceph-osd radosgw kine kube-apiserver kube-controller-manager kube-scheduler kwok velero)

# Before starting anything: each port of a component that is not running yet must be free.
check_ports() {
  is_running ceph-mon || port_free "$TESTBED_CEPH_MON_PORT" ceph-mon
  is_running radosgw || port_free "$TESTBED_S3_PORT" "radosgw (S3)"
  is_running kine || port_free "$TESTBED_KINE_PORT" kine
  is_running kube-apiserver || port_free "$TESTBED_APISERVER_PORT" kube-apiserver
  is_running kube-controller-manager || port_free "$TESTBED_KCM_PORT" kube-controller-manager
  is_running kube-scheduler || port_free "$TESTBED_SCHEDULER_PORT" kube-scheduler
  is_running kwok || port_free "$TESTBED_KWOK_PORT" kwok
  if ! is_running velero; then
    port_free "$TESTBED_VELERO_METRICS_PORT" "velero metrics"
    port_free 8080 "velero controller-runtime metrics (fixed by Velero, no flag)"
  fi
}

all_running() {
  local c
  for c in "${COMPONENTS[@]}"; do is_running "$c" || return 1; done
  [ -f "$STATE/env" ]
}

# One testbed command at a time.
take_lock() {
  mkdir -p "$STATE/logs" "$STATE/run" "$CACHE"
  exec 9>"$STATE/.lock"
  flock -n 9 || die "another 'testbed' command is running (lock $STATE/.lock)"
}

write_env() {
  mkdir -p "$STATE/bin"
  ln -sf "$K8S_BIN/kubectl" "$VELERO_BIN/velero" "$HELM_BIN/helm" "$STATE/bin/"
  ln -sf "$(command -v restic)" "$STATE/bin/restic"
  (umask 077; cat >"$STATE/env" <<EOF
# Written by scripts/testbed.sh up; secrets are fresh for each cold start. Load with: set -a; . .testbed/env; set +a
KUBECONFIG=$KUBECONFIG_ADMIN
TESTBED_KUBE_API=$APISERVER_URL
TESTBED_BIN=$STATE/bin
TESTBED_S3_ENDPOINT=$S3_ENDPOINT
TESTBED_S3_REGION=$TESTBED_S3_REGION
TESTBED_S3_BUCKET_VELERO=$S3_BUCKET_VELERO
TESTBED_S3_BUCKET_LOCKED=$S3_BUCKET_LOCKED
AWS_ENDPOINT_URL_S3=$S3_ENDPOINT
AWS_REGION=$TESTBED_S3_REGION
AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
VELERO_NAMESPACE=$VELERO_NS
EOF
  )
}

print_endpoints() {
  cat <<EOF
  Kubernetes API  $APISERVER_URL  (KUBECONFIG=$KUBECONFIG_ADMIN)
  S3 (radosgw)    $S3_ENDPOINT  buckets: $S3_BUCKET_VELERO, $S3_BUCKET_LOCKED (object lock)
  Velero          namespace $VELERO_NS, BackupStorageLocation default -> s3://$S3_BUCKET_VELERO
  tools           $STATE/bin (kubectl, velero, helm, restic)
  environment     $STATE/env
EOF
}

# The node list of the catalog, through the platform loader (needs Node 22 and the dependencies).
catalog_nodes() {
  [ -n "${TESTBED_NODES_JSON:-}" ] && return 0
  export TESTBED_NODES_JSON="$STATE/nodes.json"
  "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/scripts/uyoop.ts" catalog nodes --json >"$TESTBED_NODES_JSON" \
    || die "could not read the nodes from catalog/ (yarn uyoop catalog validate tells why)"
}

cmd_up() {
  take_lock
  if all_running; then
    log "testbed is already up: nothing to do"
    print_endpoints
    return 0
  fi
  local t0=$SECONDS
  need_apt curl curl
  need_apt openssl openssl
  need_apt jq jq
  need_apt ss iproute2
  need_apt restic restic
  catalog_nodes
  nodes_check
  check_ports
  build_all
  # S3 (Ceph, about 15 s cold) and Kubernetes start side by side.
  s3_up >"$STATE/logs/s3-up.log" 2>&1 &
  local s3_job=$!
  kube_up
  nodes_up
  wait "$s3_job" || die "S3 did not come up: $(tail -n 1 "$STATE/logs/s3-up.log")"
  s3_load_keys
  velero_up
  write_env
  log "testbed up in $((SECONDS - t0)) s"
  print_endpoints
}

cmd_down() {
  take_lock
  velero_down
  kube_down
  s3_down
  rm -rf "${STATE:?}/env" "${STATE:?}/bin" "${STATE:?}/run"
  log "testbed down"
}

cmd_status() {
  echo "testbed state: $STATE"
  s3_status
  kube_status
  velero_status
  if all_running; then echo "all components running"; else echo "not (fully) running"; return 3; fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  build) mkdir -p "$CACHE"; build_all ;;
  *) echo "usage: $0 up|down|status|build" >&2; exit 2 ;;
esac
