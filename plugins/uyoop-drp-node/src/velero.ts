import { NotFoundError } from '@backstage/errors';
import type {
  BackupInfo,
  RestorePlan,
  RestoreProgress,
  ScheduleInfo,
  StorageLocationInfo,
} from '@internal/plugin-uyoop-drp-common';
import { hintFor } from '@internal/plugin-uyoop-drp-common';
import type { KubeObject } from './kube';
import { ToolRunner } from './tools';

export type { RestoreProgress } from '@internal/plugin-uyoop-drp-common';

export const toBackupInfo = (o: KubeObject): BackupInfo => ({
  name: o.metadata!.name!,
  phase: o.status?.phase ?? 'New',
  namespaces: o.spec?.includedNamespaces ?? ['*'],
  startedAt: o.status?.startTimestamp,
  completedAt: o.status?.completionTimestamp,
  expiresAt: o.status?.expiration,
  schedule: o.metadata?.labels?.['velero.io/schedule-name'],
  itemsBackedUp: o.status?.progress?.itemsBackedUp,
  totalItems: o.status?.progress?.totalItems,
  errors: o.status?.errors ?? 0,
  warnings: o.status?.warnings ?? 0,
});

export const toScheduleInfo = (o: KubeObject): ScheduleInfo => ({
  name: o.metadata!.name!,
  cron: o.spec?.schedule ?? '',
  namespaces: o.spec?.template?.includedNamespaces ?? ['*'],
  lastBackup: o.status?.lastBackup,
  paused: Boolean(o.spec?.paused),
});

export const toLocationInfo = (o: KubeObject): StorageLocationInfo => ({
  name: o.metadata!.name!,
  bucket: o.spec?.objectStorage?.bucket ?? '',
  phase: o.status?.phase ?? 'Unknown',
  lastValidated: o.status?.lastValidationTime,
});

/** Whether a schedule's backups carry the volumes' data by file-system backup. */
export const schedulesFsBackup = (o: KubeObject) =>
  Boolean(o.spec?.template?.defaultVolumesToFsBackup);

/** The progress of a Velero Restore, in the order that means something to a person. */

/**
 * Velero's restore results (restores/<name>/restore-<name>-results.gz), one
 * row per message with a hint for the common ones (velero#4223).
 */
export function restoreResultRows(results: {
  errors?: ResultBlock;
  warnings?: ResultBlock;
}) {
  const rows: {
    resource: string;
    kind: 'error' | 'warning';
    message: string;
    hint?: string;
  }[] = [];
  for (const kind of ['error', 'warning'] as const) {
    const block = results[kind === 'error' ? 'errors' : 'warnings'] ?? {};
    const add = (resource: string, message: string) =>
      rows.push({ resource, kind, message, hint: hintFor(message) });
    for (const m of block.velero ?? []) add('velero', m);
    for (const m of block.cluster ?? []) add('cluster', m);
    for (const [ns, ms] of Object.entries(block.namespaces ?? {}))
      for (const m of ms) add(`namespace ${ns}`, m);
  }
  return rows;
}

interface ResultBlock {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** Velero's custom resources, read through kubectl; restores created with the velero CLI. */
export class Velero {
  constructor(private readonly tools: ToolRunner) {}

  private get ns() {
    return this.tools.tools.veleroNamespace;
  }

  private async items(kind: string, selector?: string) {
    const args = ['get', kind, '-n', this.ns, '-o', 'json'];
    if (selector) args.push('-l', selector);
    return (await this.tools.json<{ items: KubeObject[] }>('kubectl', args))
      .items;
  }

  async backups(): Promise<BackupInfo[]> {
    return (await this.items('backups.velero.io')).map(toBackupInfo);
  }

  /** One Velero object of `resource` by name; NotFoundError naming `what` when there is none. */
  private async one(
    resource: string,
    what: string,
    name: string,
  ): Promise<KubeObject> {
    const r = await this.tools.run('kubectl', [
      'get',
      resource,
      name,
      '-n',
      this.ns,
      '-o',
      'json',
      '--ignore-not-found',
    ]);
    if (!r.stdout.trim()) throw new NotFoundError(`no ${what} named ${name}`);
    return JSON.parse(r.stdout) as KubeObject;
  }

  async backup(name: string): Promise<BackupInfo> {
    return toBackupInfo(await this.one('backups.velero.io', 'backup', name));
  }

  async scheduleObjects() {
    return this.items('schedules.velero.io');
  }

  async schedules(): Promise<ScheduleInfo[]> {
    return (await this.scheduleObjects()).map(toScheduleInfo);
  }

  async locations(): Promise<StorageLocationInfo[]> {
    return (await this.items('backupstoragelocations.velero.io')).map(
      toLocationInfo,
    );
  }

  /** Starts the restore a plan describes; does not wait. */
  async startRestore(plan: RestorePlan): Promise<void> {
    const args = [
      'restore',
      'create',
      plan.restoreName,
      '--from-backup',
      plan.backup,
      '--include-namespaces',
      plan.sourceNamespace,
      '--namespace',
      this.ns,
    ];
    const mappings = Object.entries(plan.namespaceMappings)
      .map(([a, b]) => `${a}:${b}`)
      .join(',');
    if (mappings) args.push('--namespace-mappings', mappings);
    await this.tools.run('velero', args);
  }

  async restoreExists(name: string): Promise<boolean> {
    const r = await this.tools.run('kubectl', [
      'get',
      'restores.velero.io',
      name,
      '-n',
      this.ns,
      '-o',
      'name',
      '--ignore-not-found',
    ]);
    return Boolean(r.stdout.trim());
  }

  async restoreProgress(name: string): Promise<RestoreProgress> {
    const o = await this.one('restores.velero.io', 'restore', name);
    const volumes = await this.items(
      'podvolumerestores.velero.io',
      `velero.io/restore-name=${name}`,
    );
    return {
      name,
      phase: o.status?.phase ?? 'New',
      itemsRestored: o.status?.progress?.itemsRestored,
      totalItems: o.status?.progress?.totalItems,
      errors: o.status?.errors ?? 0,
      warnings: o.status?.warnings ?? 0,
      volumeBytesDone: sum(volumes, v => v.status?.progress?.bytesDone),
      volumeBytesTotal: sum(volumes, v => v.status?.progress?.totalBytes),
    };
  }
}

const sum = (l: KubeObject[], f: (o: KubeObject) => number | undefined) =>
  l.reduce((t, o) => t + (f(o) ?? 0), 0);

export { RESTORE_DONE } from '@internal/plugin-uyoop-drp-common';
