import type { Platform } from '@internal/platform';
import { dataTiers } from '@internal/platform';
import type { Finding } from '@internal/plugin-uyoop-drp-common';
import type { KubeObject } from './kube';

/** What the coverage check reads from the cluster. */
export interface ClusterCoverageInput {
  /** Velero Schedules (custom resources). */
  schedules: KubeObject[];
  persistentVolumeClaims: KubeObject[];
  persistentVolumes: KubeObject[];
  pods: KubeObject[];
}

const includes = (namespaces: string[] | undefined, ns: string) =>
  !namespaces || namespaces.includes('*') || namespaces.includes(ns);

/** The pod annotation Velero reads for the volumes to back up by file system. */
const FS_OPT_IN = 'backup.velero.io/backup-volumes';
/** Velero's pre-backup hook: a database dump runs through it. */
const DUMP_HOOK = 'pre.hook.backup.velero.io/command';

/**
 * What will NOT be backed up. Velero skips hostPath volumes silently
 * (velero#9035) and local-path provisions them, so a volume is covered only
 * by a file-system backup: opted in on its pod, or by a schedule that
 * backs up every volume by file system.
 */
export function coverageFindings(
  platform: Pick<Platform, 'services' | 'databases'>,
  cluster: ClusterCoverageInput,
): { findings: Finding[]; passed: string[] } {
  const findings: Finding[] = [];
  const passed: string[] = [];
  const active = cluster.schedules.filter(s => !s.spec?.paused);

  // Catalog services without a backup policy.
  for (const s of platform.services) {
    if (dataTiers.includes(s.storageTier) && !s.backup.length)
      findings.push({
        severity: 'error',
        area: 'coverage',
        subject: `component:${s.name}`,
        message: `holds data (storage tier ${s.storageTier}) but has no uyoop.io/backup policy`,
      });
  }

  // Namespaces without a schedule.
  const veleroNamespaces = [
    ...new Set(
      platform.services
        .filter(s => s.backup.includes('velero'))
        .map(s => s.namespace),
    ),
  ].sort();
  for (const ns of veleroNamespaces) {
    if (!active.some(s => includes(s.spec?.template?.includedNamespaces, ns)))
      findings.push({
        severity: 'error',
        area: 'coverage',
        subject: `namespace ${ns}`,
        message: `no active Velero schedule backs it up, and ${platform.services
          .filter(s => s.namespace === ns && s.backup.includes('velero'))
          .map(s => s.name)
          .join(', ')} rely on one`,
      });
    else passed.push(`namespace ${ns} has a schedule`);
  }

  // PVCs without a file-system backup opt-in.
  const pvByName = new Map(
    cluster.persistentVolumes.map(pv => [pv.metadata!.name!, pv]),
  );
  for (const pvc of cluster.persistentVolumeClaims) {
    const ns = pvc.metadata!.namespace!;
    const name = pvc.metadata!.name!;
    const subject = `${ns}/pvc/${name}`;
    const fsBySchedule = active.some(
      s =>
        s.spec?.template?.defaultVolumesToFsBackup &&
        includes(s.spec?.template?.includedNamespaces, ns),
    );
    const mounting = cluster.pods.filter(
      p =>
        p.metadata?.namespace === ns &&
        (p.spec?.volumes ?? []).some(
          (v: any) => v.persistentVolumeClaim?.claimName === name,
        ),
    );
    const optedIn = mounting.some(p => {
      const vol = (p.spec?.volumes ?? []).find(
        (v: any) => v.persistentVolumeClaim?.claimName === name,
      );
      return (p.metadata?.annotations?.[FS_OPT_IN] ?? '')
        .split(',')
        .map((x: string) => x.trim())
        .includes(vol?.name);
    });
    if (fsBySchedule || optedIn) {
      passed.push(`${subject} is backed up by file system`);
      continue;
    }
    const pv = pvByName.get(pvc.spec?.volumeName);
    const hostPath = Boolean(pv?.spec?.hostPath || pv?.spec?.local);
    findings.push({
      severity: 'error',
      area: 'coverage',
      subject,
      message: hostPath
        ? `its volume is a host path, which Velero skips silently (velero#9035): annotate its pod with ${FS_OPT_IN}, or back up by file system in the schedule`
        : `no file-system backup opt-in: annotate its pod with ${FS_OPT_IN}, or back up by file system in the schedule`,
    });
  }

  // Databases without a dump hook.
  for (const db of platform.databases) {
    if (db.engine === 'redis') continue; // a cache: nothing to dump
    const beside = platform.services.filter(s => s.namespace === db.namespace);
    if (beside.length && beside.every(s => s.runtime !== 'k3s')) {
      // A compose stack's database is dumped by a restic job on its host, out of the cluster's sight.
      findings.push({
        severity: 'warning',
        area: 'coverage',
        subject: `resource:${db.name}`,
        message: `${db.engine} database of a ${beside[0].runtime} stack: its dump is a restic job on the host, which the cluster cannot show; check restic snapshots tagged ${db.name}`,
      });
      continue;
    }
    const hooked = cluster.pods.some(
      p =>
        p.metadata?.namespace === db.namespace &&
        Boolean(p.metadata?.annotations?.[DUMP_HOOK]) &&
        (p.metadata?.labels?.['uyoop.io/database'] === undefined ||
          p.metadata?.labels?.['uyoop.io/database'] === db.name),
    );
    if (hooked) passed.push(`database ${db.name} has a dump hook`);
    else
      findings.push({
        severity: 'error',
        area: 'coverage',
        subject: `resource:${db.name}`,
        message: `${db.engine} database in ${db.namespace} without a dump hook: a file copy of a running database is not consistent; annotate its pod with ${DUMP_HOOK}`,
      });
  }
  return { findings, passed };
}

/** RPO per catalog service: now minus its last good backup (Velero or restic). */
export function rpoPerService(
  platform: Pick<Platform, 'services'>,
  backups: { namespaces: string[]; phase: string; startedAt?: string }[],
  snapshots: { time: string; tags: string[] }[],
  now: Date,
) {
  return platform.services
    .filter(s => s.backup.length)
    .map(s => {
      const times: number[] = [];
      if (s.backup.includes('velero'))
        for (const b of backups)
          if (
            b.phase === 'Completed' &&
            b.startedAt &&
            includes(b.namespaces, s.namespace)
          )
            times.push(Date.parse(b.startedAt));
      if (s.backup.includes('restic'))
        for (const snap of snapshots)
          if (snap.tags.includes(s.name)) times.push(Date.parse(snap.time));
      const last = times.length ? Math.max(...times) : undefined;
      return {
        service: s.name,
        namespace: s.namespace,
        tiers: s.backup,
        lastBackup: last ? new Date(last).toISOString() : undefined,
        rpoSeconds: last
          ? Math.round((now.getTime() - last) / 1000)
          : undefined,
      };
    });
}
