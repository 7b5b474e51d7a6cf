# shellcheck shell=bash
# Kubernetes control plane on loopback: kine (sqlite) + kube-apiserver + controller-manager +
# scheduler, then kwok for the simulated nodes. No kubelet: kwok marks nodes Ready and pods Running.

PKI="$STATE/pki"
KUBECONFIG_ADMIN="$STATE/kubeconfig"
APISERVER_URL="https://$TESTBED_ADDR:$TESTBED_APISERVER_PORT"
SERVICE_CIDR=10.96.0.0/16

kctl() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# ---- certificates (openssl, a throw-away CA per cold start) ----------------------------------
pki_cert() { # pki_cert <name> <subject> <extensions>: key + cert signed by the testbed CA
  local name="$1" subj="$2" ext="$3"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

pki_create() {
  [ -f "$PKI/ca.crt" ] && return 0
  mkdir -p "$PKI"; chmod 700 "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=uyoop-testbed-ca" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  pki_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$TESTBED_ADDR,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  local client="basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  pki_cert admin "/O=system:masters/CN=testbed-admin" "$client"
  pki_cert controller-manager "/CN=system:kube-controller-manager" "$client"
  pki_cert scheduler "/CN=system:kube-scheduler" "$client"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

write_kubeconfig() { # write_kubeconfig <file> <cert-name>
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: uyoop-testbed
  cluster:
    server: $APISERVER_URL
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: uyoop-testbed
  context: {cluster: uyoop-testbed, user: $2}
current-context: uyoop-testbed
EOF
  chmod 600 "$1"
}

# ---- daemons ----------------------------------------------------------------------------------
kube_up() {
  pki_create
  write_kubeconfig "$KUBECONFIG_ADMIN" admin
  write_kubeconfig "$PKI/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$PKI/scheduler.kubeconfig" scheduler

  if ! is_running kine; then
    mkdir -p "$STATE/kine"
    # kine serves metrics on *:8080 by default: off (Velero's manager needs 8080, see velero.sh)
    start_bg kine "$KINE_BIN/kine" --listen-address "$TESTBED_ADDR:$TESTBED_KINE_PORT" --metrics-bind-address 0 \
      --endpoint "sqlite://$STATE/kine/state.db?_journal=WAL&cache=shared&_busy_timeout=30000"
    wait_for 20 "kine on port $TESTBED_KINE_PORT" bash -c "echo > /dev/tcp/$TESTBED_ADDR/$TESTBED_KINE_PORT"
  fi

  if ! is_running kube-apiserver; then
    start_bg kube-apiserver "$K8S_BIN/kube-apiserver" \
      --etcd-servers "http://$TESTBED_ADDR:$TESTBED_KINE_PORT" \
      --bind-address "$TESTBED_ADDR" --advertise-address "$TESTBED_ADDR" --secure-port "$TESTBED_APISERVER_PORT" \
      --endpoint-reconciler-type none \
      --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
      --client-ca-file "$PKI/ca.crt" \
      --service-account-issuer https://kubernetes.default.svc.cluster.local \
      --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
      --service-cluster-ip-range "$SERVICE_CIDR" \
      --authorization-mode RBAC --allow-privileged=true \
      --enable-priority-and-fairness=false --profiling=false
  fi
  wait_for 90 "kube-apiserver on $APISERVER_URL" kctl get --raw /readyz

  if ! is_running kube-controller-manager; then
    start_bg kube-controller-manager "$K8S_BIN/kube-controller-manager" \
      --kubeconfig "$PKI/controller-manager.kubeconfig" \
      --authentication-kubeconfig "$PKI/controller-manager.kubeconfig" \
      --authorization-kubeconfig "$PKI/controller-manager.kubeconfig" \
      --bind-address "$TESTBED_ADDR" --secure-port "$TESTBED_KCM_PORT" --leader-elect=false \
      --use-service-account-credentials=true \
      --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
      --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
      --profiling=false
  fi
  if ! is_running kube-scheduler; then
    start_bg kube-scheduler "$K8S_BIN/kube-scheduler" \
      --kubeconfig "$PKI/scheduler.kubeconfig" \
      --authentication-kubeconfig "$PKI/scheduler.kubeconfig" \
      --authorization-kubeconfig "$PKI/scheduler.kubeconfig" \
      --bind-address "$TESTBED_ADDR" --secure-port "$TESTBED_SCHEDULER_PORT" --leader-elect=false \
      --profiling=false
  fi
  wait_for 30 "kube-controller-manager health" curl -skf "https://$TESTBED_ADDR:$TESTBED_KCM_PORT/healthz"
  wait_for 30 "kube-scheduler health" curl -skf "https://$TESTBED_ADDR:$TESTBED_SCHEDULER_PORT/healthz"
}

# ---- simulated nodes ----------------------------------------------------------------------------
# The node list comes from the platform's loader (catalog/ is the source of truth) as a JSON file:
# TESTBED_NODES_JSON=/path/to/nodes.json, shape documented in infra/testbed/README.md.
nodes_check() {
  local nodes_json="${TESTBED_NODES_JSON:-}"
  [ -n "$nodes_json" ] || die "TESTBED_NODES_JSON is not set: give the path of the nodes JSON printed by the platform loader"
  [ -r "$nodes_json" ] || die "TESTBED_NODES_JSON=$nodes_json: file not readable"
  jq -e 'type == "array" and length > 0 and all(.[]; (.name|type) == "string")' "$nodes_json" >/dev/null \
    || die "TESTBED_NODES_JSON=$nodes_json: expected a non-empty JSON array of {name, labels, taints, capacity}"
}

nodes_up() {
  local nodes_json="$TESTBED_NODES_JSON"
  nodes_check

  if ! is_running kwok; then
    start_bg kwok "$KWOK_BIN/kwok" --kubeconfig "$KUBECONFIG_ADMIN" \
      --config "$KWOK_BIN/stages.yaml" \
      --manage-all-nodes=false \
      --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
      --node-lease-duration-seconds 40 \
      --server-address "$TESTBED_ADDR:$TESTBED_KWOK_PORT" \
      --node-ip 10.200.0.1 --cidr 10.244.0.0/16
  fi
  jq --arg kubeletVersion "$K3S_VERSION" -f "$TESTBED_DIR/nodes-to-k8s.jq" "$nodes_json" | kctl apply -f - >/dev/null \
    || die "could not apply the nodes of $nodes_json"
  local names; names="$(jq -r '.[].name' "$nodes_json" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  wait_for 60 "nodes $names to be Ready" kctl wait --for=condition=Ready --timeout=2s node $names
}

kube_down() {
  stop_pid kwok
  stop_pid kube-scheduler
  stop_pid kube-controller-manager
  stop_pid kube-apiserver
  stop_pid kine
  rm -rf "$STATE/kine" "$PKI" "$KUBECONFIG_ADMIN"
}

kube_status() {
  local c
  for c in kine kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if is_running "$c"; then echo "  $c: running (pid $(cat "$(pidfile "$c")"))"; else echo "  $c: stopped"; fi
  done
  echo "  API server: $APISERVER_URL (kubeconfig $KUBECONFIG_ADMIN)"
  if is_running kube-apiserver && [ -f "$KUBECONFIG_ADMIN" ]; then
    kctl get nodes -L uyoop.io/role 2>/dev/null | sed 's/^/    /' || true
  fi
}
