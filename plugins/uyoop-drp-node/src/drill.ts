import type {
  BackupInfo,
  DrillRecord,
  DrillStepName,
  Fingerprint,
  RestorePlan,
} from '@internal/plugin-uyoop-drp-common';
import {
  compareFingerprints,
  latestGoodBackup,
  measureDrill,
  planRestore,
  sameFingerprint,
} from '@internal/plugin-uyoop-drp-common';
import type { DataProbe } from './fingerprint';
import type { RestoreProgress } from './velero';
import { RESTORE_DONE } from './velero';
import { formatRestoreProgress } from './report';
import type { DrpStore } from './store';

/** The cluster operations a drill needs (the real ones are Cluster and Velero). */
export interface DrillTarget {
  namespacePhase(name: string): Promise<string | undefined>;
  deleteNamespace(name: string): Promise<void>;
  podReadiness(ns: string): Promise<{ total: number; notReady: string[] }>;
  fingerprint(ns: string, probes: DataProbe[]): Promise<Fingerprint>;
  backups(): Promise<BackupInfo[]>;
  backup(name: string): Promise<BackupInfo>;
  startRestore(plan: RestorePlan): Promise<void>;
  restoreExists(name: string): Promise<boolean>;
  restoreProgress(name: string): Promise<RestoreProgress>;
  restoreResults(name: string): Promise<DrillRecord['restoreResults']>;
}

export interface DrillDeps {
  target: DrillTarget;
  store: DrpStore;
  now(): Date;
  sleep(ms: number): Promise<void>;
  pollMs?: number;
  /** Per wait: namespace gone, restore done, pods ready, data readable again. */
  timeoutMs?: number;
  probes?: DataProbe[];
  onProgress?(record: DrillRecord, detail: string): void;
}

class DrillFailure extends Error {}

const has = (r: DrillRecord, step: DrillStepName) =>
  r.timeline.some(s => s.step === step);

/**
 * Runs (or resumes) a drill: choose the last good backup, fingerprint the
 * namespace, delete it, wait until it is gone (a restore into a terminating
 * namespace hangs, velero#5697), restore, wait for the restore and for every
 * pod Ready, fingerprint again and compare. Each step is stored before the
 * action it names, so a drill interrupted anywhere resumes from the stored
 * record and a deleted namespace always gets its restore.
 */
export async function runDrill(
  deps: DrillDeps,
  record: DrillRecord,
): Promise<DrillRecord> {
  const { target, store } = deps;
  const poll = deps.pollMs ?? 500;
  const timeout = deps.timeoutMs ?? 15 * 60_000;
  const r = record;
  const ns = r.namespace;
  const mark = async (step: DrillStepName, detail?: string) => {
    r.timeline.push({ step, at: deps.now().toISOString(), detail });
    await store.saveDrill(r);
    deps.onProgress?.(r, detail ? `${step}: ${detail}` : step);
  };
  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T | undefined>,
  ): Promise<T> => {
    const deadline = deps.now().getTime() + timeout;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      if (deps.now().getTime() >= deadline)
        throw new DrillFailure(
          `timed out after ${Math.round(timeout / 1000)} s waiting for ${what}${
            last ? ` (${(last as Error).message})` : ''
          }`,
        );
      await deps.sleep(poll);
    }
  };

  try {
    if (!has(r, 'choose-backup')) {
      const backup = r.backup
        ? await target.backup(r.backup)
        : latestGoodBackup(await target.backups(), ns, new Date(r.startedAt));
      if (!backup)
        throw new DrillFailure(
          `no Completed backup holds ${ns}: back it up first (yarn drp backup ${ns})`,
        );
      const plan = planRestore({
        backup,
        namespace: ns,
        mode: 'in-place',
        confirm: ns,
        suffix: `drill-${r.id}`,
      });
      r.backup = backup.name;
      r.backupStartedAt = backup.startedAt;
      r.restoreName = plan.restoreName;
      await mark('choose-backup', backup.name);
    }
    const plan: RestorePlan = {
      backup: r.backup!,
      mode: 'in-place',
      sourceNamespace: ns,
      targetNamespace: ns,
      restoreName: r.restoreName!,
      namespaceMappings: {},
      waitForNamespaceGone: true,
    };
    if (!has(r, 'fingerprint-before')) {
      if ((await target.namespacePhase(ns)) !== 'Active')
        throw new DrillFailure(`namespace ${ns} is not there to drill on`);
      r.before = await target.fingerprint(ns, deps.probes ?? []);
      const pods = await target.podReadiness(ns);
      await mark(
        'fingerprint-before',
        `${Object.keys(r.before.objects).length} objects, ${
          Object.keys(r.before.data).length
        } data probes, ${pods.total} pods`,
      );
    }
    if (!has(r, 'delete-namespace')) {
      // Stored before the call: after a crash, the record says a delete may have happened.
      await mark('delete-namespace', ns);
      await target.deleteNamespace(ns);
    } else if (
      (await target.namespacePhase(ns)) === 'Active' &&
      !has(r, 'namespace-gone')
    ) {
      await target.deleteNamespace(ns);
    }
    if (!has(r, 'namespace-gone')) {
      await waitFor(`namespace ${ns} to be gone`, async () =>
        (await target.namespacePhase(ns)) === undefined ? true : undefined,
      );
      await mark('namespace-gone');
    }
    if (!has(r, 'restore-started')) {
      await mark('restore-started', plan.restoreName);
    }
    if (!(await target.restoreExists(plan.restoreName)))
      await target.startRestore(plan);
    if (!has(r, 'restore-completed')) {
      let shown = '';
      const done = await waitFor(`restore ${plan.restoreName}`, async () => {
        const p = await target.restoreProgress(plan.restoreName);
        const line = formatRestoreProgress(p);
        if (line !== shown) deps.onProgress?.(r, (shown = line));
        return RESTORE_DONE.includes(p.phase) ? p : undefined;
      });
      if (done.errors || done.warnings)
        r.restoreResults = await target
          .restoreResults(plan.restoreName)
          .catch(() => undefined);
      if (!['Completed', 'PartiallyFailed'].includes(done.phase))
        throw new DrillFailure(
          `restore ${plan.restoreName} ended ${done.phase} with ${done.errors} errors`,
        );
      await mark(
        'restore-completed',
        `${done.phase}: ${done.itemsRestored ?? '?'}/${
          done.totalItems ?? '?'
        } items, ${done.volumeBytesTotal} volume bytes`,
      );
    }
    if (!has(r, 'pods-ready')) {
      const expected = Number(
        r.timeline
          .find(s => s.step === 'fingerprint-before')
          ?.detail?.match(/(\d+) pods/)?.[1] ?? 0,
      );
      const ready = await waitFor(`the pods of ${ns} to be Ready`, async () => {
        const p = await target.podReadiness(ns);
        return p.total >= expected && !p.notReady.length ? p : undefined;
      });
      await mark('pods-ready', `${ready.total} pods Ready`);
    }
    r.after = await waitFor(`the data of ${ns} to be readable`, () =>
      target.fingerprint(ns, deps.probes ?? []),
    );
    r.diff = compareFingerprints(r.before!, r.after);
    await mark(
      'fingerprint-after',
      sameFingerprint(r.diff) ? 'identical' : 'differs',
    );
    Object.assign(r, measureDrill(r));
    if (!sameFingerprint(r.diff))
      throw new DrillFailure(
        `the restored namespace differs: ${[
          ...r.diff.missing.map(k => `missing ${k}`),
          ...r.diff.extra.map(k => `extra ${k}`),
          ...r.diff.changed.map(k => `changed ${k}`),
        ].join(', ')}`,
      );
    r.status = 'succeeded';
  } catch (e) {
    r.status = 'failed';
    r.error = (e as Error).message;
    Object.assign(r, measureDrill(r));
  }
  r.finishedAt = deps.now().toISOString();
  await store.saveDrill(r);
  deps.onProgress?.(
    r,
    r.status === 'succeeded' ? 'succeeded' : `failed: ${r.error}`,
  );
  return r;
}

/**
 * After a restart: every drill still stored as running had its runner die.
 * One that never deleted its namespace is marked failed (nothing changed);
 * one that did is resumed, so the namespace gets its restore.
 */
export async function recoverDrills(deps: DrillDeps): Promise<DrillRecord[]> {
  const out: DrillRecord[] = [];
  for (const r of await deps.store.drills({ status: 'running' })) {
    if (!has(r, 'delete-namespace')) {
      r.status = 'failed';
      r.error = `interrupted at ${
        r.timeline.at(-1)?.step ?? 'start'
      } by a restart, before the namespace was deleted: nothing was changed`;
      r.finishedAt = deps.now().toISOString();
      await deps.store.saveDrill(r);
      out.push(r);
    } else {
      r.timeline.push({
        step: r.timeline.at(-1)!.step,
        at: deps.now().toISOString(),
        detail: 'resumed after a restart',
      });
      out.push(await runDrill(deps, r));
    }
  }
  return out;
}
