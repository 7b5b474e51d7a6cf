# shellcheck shell=bash
# Shared settings and helpers of the testbed. Sourced by scripts/testbed.sh.

TESTBED_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTBED_DIR="$(dirname "$TESTBED_LIB")"               # infra/testbed
REPO_ROOT="$(cd "$TESTBED_DIR/../.." && pwd)"

# Go from its standard install place when the shell's PATH lacks it.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi

# Pinned versions (the single place: infra/versions.env).
# shellcheck source=infra/versions.env
source "$REPO_ROOT/infra/versions.env"
K8S_STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"    # v1.35.4 -> v0.35.4

# Runtime state (gitignored) and build cache (outside the repo, keyed by version).
STATE="${TESTBED_STATE:-$REPO_ROOT/.testbed}"
CACHE="${UYOOP_CACHE:-$HOME/.cache/uyoop}/testbed"

# Fixed loopback ports in an uncommon range; each can be overridden from the environment.
: "${TESTBED_ADDR:=127.0.0.1}"
: "${TESTBED_KINE_PORT:=47379}"         # kine (etcd API over sqlite)
: "${TESTBED_APISERVER_PORT:=47443}"    # kube-apiserver (https)
: "${TESTBED_KCM_PORT:=47257}"          # kube-controller-manager (https, health)
: "${TESTBED_SCHEDULER_PORT:=47259}"    # kube-scheduler (https, health)
: "${TESTBED_KWOK_PORT:=47247}"         # kwok (metrics/health)
: "${TESTBED_CEPH_MON_PORT:=47789}"     # ceph-mon (msgr2)
: "${TESTBED_S3_PORT:=47480}"           # radosgw (S3, http)
: "${TESTBED_CEPH_OSD_PORT_MIN:=47800}" # ceph-osd binds a few ports from here (up to +19)
: "${TESTBED_VELERO_METRICS_PORT:=47085}" # velero server metrics
: "${TESTBED_S3_REGION:=us-east-1}"     # radosgw's default zonegroup answers to this

log()  { printf '\033[1;34m[testbed]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[testbed]\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31m[testbed] error:\033[0m %s\n' "$*" >&2; exit 1; }

# ---- apt ------------------------------------------------------------------------------------
APT_UPDATED=""
need_apt() { # need_apt <command-or-file> <package>...
  local probe="$1"; shift
  if command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; then return 0; fi
  [ "$(id -u)" = 0 ] || die "missing '$probe': install Debian packages: $* (needs root)"
  log "installing Debian packages: $*"
  if [ -z "$APT_UPDATED" ]; then
    apt-get update -q >"$CACHE/apt.log" 2>&1 || die "apt-get update failed, see $CACHE/apt.log"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$CACHE/apt.log" 2>&1 \
    || die "apt-get install $* failed, see $CACHE/apt.log"
}

# ---- processes --------------------------------------------------------------------------------
pidfile() { echo "$STATE/run/$1.pid"; }

# is_running <name>: the process in its pid file is alive and is still that program (each
# component is named after its binary, so a pid reused after a reboot is not taken for it).
is_running() {
  local f; f="$(pidfile "$1")"
  [ -f "$f" ] && alive "$(cat "$f")" && grep -qa -- "$1" "/proc/$(cat "$f")/cmdline"
}

# start_bg <name> <command>...: start a daemon in its own session, log to .testbed/logs/<name>.log
start_bg() {
  local name="$1"; shift
  mkdir -p "$STATE/run" "$STATE/logs"
  # 9>&-: the daemon must not inherit the lock of the testbed command (see take_lock)
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pidfile "$name")"
}

# alive <pid>: exists and is not a zombie (PID 1 of this machine may not reap orphans quickly)
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

# stop_pid <name>: TERM to the process group that start_bg made (the daemon and its children,
# e.g. Velero's plugin processes), wait up to 10 s, then KILL; removes the pid file.
stop_pid() {
  local name="$1" f pid i
  f="$(pidfile "$name")"
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then
      warn "$name ($pid) did not stop on TERM, killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true   # leftover children of the group
  rm -f "$f"
}

# port_free <port> <what>: fail with a clear message when something already listens there.
port_free() {
  local port="$1" what="$2" who
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    who="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(([^)]*))' | head -1)"
    die "port $port ($what) is already in use${who:+ by $who}; stop it or set the port's TESTBED_*_PORT variable"
  fi
}

# wait_for <seconds> <description> <command>...: poll until the command succeeds.
wait_for() {
  local secs="$1" what="$2" i; shift 2
  for i in $(seq 1 $((secs * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out after ${secs}s waiting for $what (logs in $STATE/logs/)"
}
