# shellcheck shell=bash
# Velero server as a local process against the testbed's kubeconfig (Velero's "run locally in
# development" mode): CRDs + namespace + BackupStorageLocation on the S3 `velero` bucket.
# Resource backups only: no node-agent (there are no real pods to read volumes from).

VELERO_NS=velero
VELERO_DIR="$STATE/velero"

velero_up() {
  mkdir -p "$VELERO_DIR"
  # Credentials of the S3 user, read by the AWS plugin through AWS_SHARED_CREDENTIALS_FILE.
  (umask 077; printf '[default]\naws_access_key_id=%s\naws_secret_access_key=%s\n' \
    "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$VELERO_DIR/credentials")

  if ! kctl get crd backups.velero.io >/dev/null 2>&1; then
    "$VELERO_BIN/velero" install --crds-only --dry-run -o yaml | kctl apply -f - >/dev/null \
      || die "installing the Velero CRDs failed"
    kctl wait --for condition=established --timeout=30s crd/backups.velero.io crd/backupstoragelocations.velero.io >/dev/null
  fi
  kctl create namespace "$VELERO_NS" --dry-run=client -o yaml | kctl apply -f - >/dev/null
  kctl apply -f - >/dev/null <<EOF || die "creating the Velero BackupStorageLocation failed"
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata:
  name: default
  namespace: $VELERO_NS
spec:
  provider: aws
  default: true
  objectStorage:
    bucket: $S3_BUCKET_VELERO
  config:
    region: $TESTBED_S3_REGION
    s3ForcePathStyle: "true"
    s3Url: $S3_ENDPOINT
EOF

  # Velero's pod-volume restore action reads the image of the `velero` Deployment in its namespace
  # (for the restore-helper init container) and fails every restore without it. The server runs
  # outside the cluster, so declare the Deployment with 0 replicas.
  kctl apply -f - >/dev/null <<EOF || die "creating the placeholder velero Deployment failed"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: velero
  namespace: $VELERO_NS
  # The catalog's velero component shows it in the portal's Kubernetes tab.
  labels: {component: velero, backstage.io/kubernetes-id: velero}
  annotations: {uyoop.io/testbed: "the Velero server runs outside the cluster (scripts/testbed.sh)"}
spec:
  replicas: 0
  selector: {matchLabels: {deploy: velero}}
  template:
    metadata: {labels: {deploy: velero, component: velero}}
    spec:
      containers:
      - name: velero
        image: velero/velero:$VELERO_VERSION
EOF

  if ! is_running velero; then
    # (ports checked by check_ports; note Velero's controller-runtime manager always binds *:8080:
    # it is built with the default metrics address and has no flag to change it)
    AWS_SHARED_CREDENTIALS_FILE="$VELERO_DIR/credentials" \
      start_bg velero "$VELERO_BIN/velero" server \
        --kubeconfig "$KUBECONFIG_ADMIN" --namespace "$VELERO_NS" \
        --plugin-dir "$VELERO_PLUGINS" \
        --metrics-address "$TESTBED_ADDR:$TESTBED_VELERO_METRICS_PORT" \
        --profiler-address "" \
        --uploader-type kopia --default-backup-storage-location default
  fi
  wait_for 60 "Velero's BackupStorageLocation to be Available" \
    sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_ADMIN' -n $VELERO_NS get bsl default -o jsonpath='{.status.phase}' | grep -qx Available"
}

velero_down() {
  stop_pid velero
  rm -rf "$VELERO_DIR"
}

velero_status() {
  if is_running velero; then echo "  velero: running (pid $(cat "$(pidfile velero)"))"; else echo "  velero: stopped"; fi
  echo "  Velero metrics: http://$TESTBED_ADDR:$TESTBED_VELERO_METRICS_PORT/metrics (namespace $VELERO_NS)"
}
