/**
 * The platform's alerts: the nodes (NVMe disk, the AI node's CPU, WireGuard),
 * the web (blackbox availability, certificates), the backups (Velero and
 * restic age) and security (CrowdSec). One group list renders both as
 * PrometheusRule objects for the cluster and as a plain rule file that
 * `promtool test rules` checks (infra/monitoring/prometheus).
 */
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { Platform } from '@internal/platform';
import { MANAGED_BY } from './namespaces';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** Metrics the restic backup jobs push (restic-jobs, namespace backup). */
export const RESTIC_LAST_SUCCESS =
  'uyoop_backup_restic_last_success_timestamp_seconds';
/** A backup older than this pages: one daily run missed, with two hours of slack. */
export const BACKUP_MAX_AGE_HOURS = 26;
export const CERT_MIN_DAYS = 14;
/** NVMe use (percent of a filesystem) that warns, and that pages. */
export const DISK_WARNING_PERCENT = 80;
export const DISK_CRITICAL_PERCENT = 90;
/** A mesh peer without a handshake for longer than this pages. */
export const WIREGUARD_MAX_HANDSHAKE_AGE_SECONDS = 300;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');

/** The `instance` regex of the exporters on these nodes: their mesh address, any port. */
export const meshInstances = (nodes: { meshAddress: string }[]) =>
  nodes.map(n => `${escapeRegex(n.meshAddress)}:.*`).join('|');

const NODE_FILESYSTEMS = 'job="node",fstype!~"tmpfs|overlay|squashfs"';
/**
 * Percent used of each real filesystem, as the disk alerts compute it;
 * `matchers` narrows it (a node's instance, for a dashboard).
 */
export const diskUsedPercent = (matchers = '') =>
  `(1 - node_filesystem_avail_bytes{${NODE_FILESYSTEMS}${matchers}} ` +
  `/ node_filesystem_size_bytes{${NODE_FILESYSTEMS}${matchers}}) * 100`;

export function ruleGroups(platform: Platform): RuleGroup[] {
  // The AI node is the one tainted for AI workloads (catalog/nodes.yaml).
  const aiNodes = platform.nodes.filter(n =>
    n.taints.some(t => t.key === 'uyoop.io/workload' && t.value === 'ai'),
  );
  const aiInstances = meshInstances(aiNodes);
  const disk = (
    threshold: number,
    severity: 'warning' | 'critical',
    wait: string,
  ): AlertRule => ({
    alert: `NodeDiskAbove${threshold}Percent`,
    expr: `${diskUsedPercent()} > ${threshold}`,
    for: wait,
    labels: { severity },
    annotations: {
      summary: `Disk {{ $labels.mountpoint }} of {{ $labels.instance }} is {{ $value | printf "%.0f" }}% full`,
      description:
        threshold >= DISK_CRITICAL_PERCENT
          ? 'The NVMe is nearly full: databases and K3s stop writing soon. Free space or grow the disk now.'
          : `The NVMe passed ${DISK_WARNING_PERCENT}%: prune images (crictl rmi --prune), old logs, or plan a larger disk.`,
    },
  });
  return [
    {
      name: 'uyoop-nodes',
      rules: [
        disk(DISK_WARNING_PERCENT, 'warning', '15m'),
        disk(DISK_CRITICAL_PERCENT, 'critical', '5m'),
        {
          alert: 'AiLabCpuSaturated',
          expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{job="node",mode="idle",instance=~"${aiInstances}"}[5m])) > 0.9`,
          for: '30m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The AI node has used over 90% of its CPU for 30 minutes',
            description:
              'CPU inference (Ollama) or CI jobs starve the node: look at the ai-lab namespace and the runners.',
          },
        },
        {
          alert: 'NodeExporterDown',
          expr: 'up{job="node"} == 0',
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Prometheus cannot scrape the node {{ $labels.instance }}',
            description:
              'The node is down or the mesh (wg0) between it and core-prod is broken.',
          },
        },
        {
          alert: 'WireGuardHandshakeStale',
          expr: `time() - wireguard_latest_handshake_seconds > ${WIREGUARD_MAX_HANDSHAKE_AGE_SECONDS}`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary:
              'No WireGuard handshake with peer {{ $labels.public_key }} for {{ $value | humanizeDuration }}',
            description:
              'The mesh link is down: K3s between the nodes and the node metrics stop. Check wg0 on both nodes.',
          },
        },
      ],
    },
    {
      name: 'uyoop-web',
      rules: [
        {
          alert: 'WebsiteDown',
          expr: 'probe_success{job="blackbox"} == 0',
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary:
              '{{ $labels.instance }} does not answer the blackbox probe',
            description:
              'Users cannot reach it: check Traefik, the service and its pods.',
          },
        },
        {
          alert: 'CertificateExpiresSoon',
          expr: `probe_ssl_earliest_cert_expiry{job="blackbox"} - time() < ${CERT_MIN_DAYS} * 86400`,
          for: '1h',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              'The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: `cert-manager renews 30 days ahead; under ${CERT_MIN_DAYS} days left means renewal fails: read the Certificate's events.`,
          },
        },
      ],
    },
    {
      name: 'uyoop-backup',
      rules: [
        {
          alert: 'VeleroBackupTooOld',
          expr: `time() - velero_backup_last_successful_timestamp{schedule!=""} > ${BACKUP_MAX_AGE_HOURS} * 3600`,
          for: '15m',
          labels: { severity: 'critical' },
          annotations: {
            summary:
              'The last good Velero backup of schedule {{ $labels.schedule }} is {{ $value | humanizeDuration }} old',
            description:
              'Cluster state is no longer protected: velero backup describe on the last run tells why.',
          },
        },
        {
          alert: 'ResticBackupTooOld',
          expr: `time() - ${RESTIC_LAST_SUCCESS} > ${BACKUP_MAX_AGE_HOURS} * 3600`,
          for: '15m',
          labels: { severity: 'critical' },
          annotations: {
            summary:
              'The last good restic backup of {{ $labels.source }} is {{ $value | humanizeDuration }} old',
            description:
              'The Object Lock copy is stale: read the restic-jobs logs in the backup namespace.',
          },
        },
      ],
    },
    {
      name: 'uyoop-security',
      rules: [
        {
          alert: 'CrowdsecDown',
          expr: 'up{job="crowdsec"} == 0',
          for: '10m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'CrowdSec on {{ $labels.instance }} is not answering',
            description:
              'Brute force is no longer banned on that node: systemctl status crowdsec.',
          },
        },
        {
          alert: 'CrowdsecBanSurge',
          expr: 'sum by (instance) (cs_active_decisions) > 50',
          for: '10m',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              '{{ $value }} addresses are banned on {{ $labels.instance }}',
            description:
              'An attack is under way: cscli decisions list and cscli alerts list show what and from where.',
          },
        },
      ],
    },
  ];
}

/** One PrometheusRule per group, in the monitoring namespace. */
export function prometheusRules(platform: Platform) {
  return ruleGroups(platform).map(
    group =>
      new PrometheusRule({
        metadata: {
          name: group.name,
          namespace: 'monitoring',
          labels: { ...MANAGED_BY, 'uyoop.io/rules': 'platform' },
        },
        spec: { groups: [group] },
      }),
  );
}
