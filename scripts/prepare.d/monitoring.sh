#!/usr/bin/env bash
# Monitoring: promtool checks and unit-tests the platform's alert rules
# (infra/monitoring), amtool checks the generated Alertmanager configuration;
# node_exporter's own output is what the nodes dashboard is checked against.
# ensure_apt installs under flock /tmp/uyoop-apt.lock, as every setup step does.
set -euo pipefail
source "$(dirname "$0")/../lib/toolchain.sh"
ensure_apt prometheus prometheus-alertmanager prometheus-node-exporter
