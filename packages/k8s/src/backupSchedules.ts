/**
 * Tier 1 of the backups as cluster objects: one Velero Schedule per namespace
 * whose catalog services say `uyoop.io/backup: velero`, daily (the dossier's
 * daily S3 backups), every volume by file system (K3s's local-path volumes
 * are host paths, which Velero otherwise skips silently: velero#9035), kept
 * as long as the locked tier keeps its copies. The DRP preflight reads these
 * Schedules to decide what is covered.
 */
import type { ClusterPlan } from './plan';
import type { KubeObject } from './render';

export const VELERO_NAMESPACE = 'velero';
/** 02:00 UTC, before the restic dumps and the working day. */
export const BACKUP_CRON = '0 2 * * *';

/** A Velero Schedule (velero.io/v1; no typed model is published for Velero's CRDs). */
class Schedule {
  constructor(private readonly object: KubeObject) {}

  toJSON() {
    return this.object;
  }

  /** What the CRD's schema checks, checked before the API server sees it. */
  validate() {
    const spec = this.object.spec as {
      schedule: string;
      template: { includedNamespaces: string[]; ttl: string };
    };
    if (spec.schedule.trim().split(/\s+/).length !== 5)
      throw new Error(
        `schedule "${spec.schedule}" is not a 5-field cron expression`,
      );
    if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(spec.template.ttl))
      throw new Error(`ttl "${spec.template.ttl}" is not a Go duration`);
    if (!spec.template.includedNamespaces.length)
      throw new Error('a schedule includes at least one namespace');
  }
}

/** One daily Schedule per namespace holding a service backed up by Velero. */
export function backupSchedules(plan: ClusterPlan): Schedule[] {
  const locked = plan.platform.buckets.find(b => b.objectLock !== 'none');
  const keepDays = locked?.retentionDays ?? 30;
  const namespaces = [
    ...new Set(
      plan.platform.services
        .filter(s => s.backup.includes('velero'))
        .map(s => s.namespace),
    ),
  ].sort();
  return namespaces.map(
    ns =>
      new Schedule({
        apiVersion: 'velero.io/v1',
        kind: 'Schedule',
        metadata: {
          name: `daily-${ns}`,
          namespace: VELERO_NAMESPACE,
          labels: { 'app.kubernetes.io/managed-by': 'uyoop-k8s' },
        },
        spec: {
          schedule: BACKUP_CRON,
          useOwnerReferencesInBackup: false,
          template: {
            includedNamespaces: [ns],
            defaultVolumesToFsBackup: true,
            storageLocation: 'default',
            ttl: `${keepDays * 24}h0m0s`,
          },
        },
      }),
  );
}
