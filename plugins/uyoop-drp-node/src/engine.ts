import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  BackupBuckets,
  Platform,
  ProcessRunner,
} from '@internal/platform';
import { CommandError } from '@internal/platform';
import type {
  BackupInfo,
  DrillRecord,
  Finding,
  Inventory,
  PreflightReport,
  RestoreMode,
  RestorePlan,
  RestoreProgress,
} from '@internal/plugin-uyoop-drp-common';
import { planRestore, RESTORE_DONE } from '@internal/plugin-uyoop-drp-common';
import { judgeBucket, readBucket } from './buckets';
import { BackupVerification, verifyBackupContents } from './completeness';
import { coverageFindings, rpoPerService } from './coverage';
import { DrillDeps, DrillTarget, recoverDrills, runDrill } from './drill';
import {
  dumpableDatabases,
  dumpDatabase,
  DumpResult,
  restoreDatabase,
} from './dumps';
import { DataProbe, takeFingerprint } from './fingerprint';
import { Cluster } from './kube';
import { drillReportHtml } from './report';
import { Restic } from './restic';
import { DrpStore } from './store';
import { DrpTools, ToolRunner } from './tools';
import { restoreResultRows, Velero } from './velero';

export interface DrpEngineOptions {
  platform: Platform;
  buckets: BackupBuckets;
  runner: ProcessRunner;
  tools: DrpTools;
  store: DrpStore;
  /** S3 client of the backup buckets; without it, bucket checks are skipped and say so. */
  s3?: S3Client;
  /** restic repository URL (RESTIC_PASSWORD comes from the tools' environment). */
  resticRepository?: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  timeoutMs?: number;
  newId?: () => string;
}

export interface StartDrillInput {
  namespace: string;
  actor: string;
  backup?: string;
  probes?: DataProbe[];
  onProgress?: DrillDeps['onProgress'];
}

/**
 * The DRP engine: one library behind the portal's backend and
 * `yarn drp`. Every tool runs through the platform's process layer.
 */
export class DrpEngine {
  readonly cluster: Cluster;
  readonly velero: Velero;
  readonly restic?: Restic;
  private readonly toolRunner: ToolRunner;
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<DrillRecord>>();

  constructor(private readonly o: DrpEngineOptions) {
    this.toolRunner = new ToolRunner(o.runner, o.tools);
    this.cluster = new Cluster(this.toolRunner);
    this.velero = new Velero(this.toolRunner);
    this.restic = o.resticRepository
      ? new Restic(this.toolRunner, { url: o.resticRepository })
      : undefined;
    this.now = o.now ?? (() => new Date());
  }

  get store() {
    return this.o.store;
  }

  /** Whether each tool answers; a missing tool is a finding, not a crash. */
  async toolFindings(): Promise<{ findings: Finding[]; passed: string[] }> {
    const checks: [
      keyof DrpTools & ('kubectl' | 'velero' | 'restic'),
      string[],
    ][] = [
      ['kubectl', ['version', '--client=true', '-o', 'json']],
      ['velero', ['version', '--client-only']],
      ['restic', ['version']],
    ];
    const findings: Finding[] = [];
    const passed: string[] = [];
    for (const [tool, args] of checks) {
      try {
        await this.o.runner.run(this.o.tools[tool], args, {
          env: this.o.tools.env,
          timeoutMs: 30_000,
        });
        passed.push(`${tool} answers`);
      } catch (e) {
        findings.push({
          severity: 'error',
          area: 'tool',
          subject: tool,
          message: `${this.o.tools[tool]} does not run: ${
            e instanceof CommandError
              ? e.result.stderr.trim().split('\n')[0] || `exit ${e.result.code}`
              : (e as Error).message
          }`,
        });
      }
    }
    return { findings, passed };
  }

  /** Tools present, buckets reachable with the catalog's lock, and what will not be backed up. */
  async preflight(): Promise<PreflightReport> {
    const findings: Finding[] = [];
    const passed: string[] = [];
    const add = (r: { findings: Finding[]; passed: string[] }) => {
      findings.push(...r.findings);
      passed.push(...r.passed);
    };
    add(await this.toolFindings());
    if (this.o.s3) {
      for (const b of [this.o.buckets.velero, this.o.buckets.locked]) {
        try {
          const f = judgeBucket(b, await readBucket(this.o.s3, b.name));
          if (f.length) findings.push(...f);
          else
            passed.push(
              `bucket ${b.name} reachable${
                b.objectLock === 'none'
                  ? ', unlocked'
                  : `, ${b.objectLock} ${b.retentionDays} days`
              }`,
            );
        } catch (e) {
          findings.push({
            severity: 'error',
            area: 'bucket',
            subject: `bucket ${b.name}`,
            message: (e as Error).message,
          });
        }
      }
    } else
      findings.push({
        severity: 'warning',
        area: 'bucket',
        subject: 'S3',
        message:
          'no S3 endpoint or credentials (DRP_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): buckets not checked',
      });
    try {
      const [schedules, pvcs, pvs, pods, locations] = await Promise.all([
        this.velero.scheduleObjects(),
        this.cluster.list('persistentvolumeclaims'),
        this.cluster.list('persistentvolumes'),
        this.cluster.list('pods'),
        this.velero.locations(),
      ]);
      add(
        coverageFindings(this.o.platform, {
          schedules,
          persistentVolumeClaims: pvcs,
          persistentVolumes: pvs,
          pods,
        }),
      );
      for (const l of locations) {
        if (l.phase === 'Available')
          passed.push(`storage location ${l.name} (${l.bucket}) Available`);
        else
          findings.push({
            severity: 'error',
            area: 'cluster',
            subject: `storage location ${l.name}`,
            message: `is ${l.phase}: Velero cannot write backups to ${l.bucket}`,
          });
      }
      if (!locations.length)
        findings.push({
          severity: 'error',
          area: 'cluster',
          subject: 'velero',
          message: `no BackupStorageLocation in ${this.o.tools.veleroNamespace}`,
        });
    } catch (e) {
      findings.push({
        severity: 'error',
        area: 'cluster',
        subject: 'cluster',
        message: `coverage not checked: ${(e as Error).message}`,
      });
    }
    return {
      at: this.now().toISOString(),
      ok: !findings.some(f => f.severity === 'error'),
      findings,
      passed,
    };
  }

  /** Schedules, backups, storage locations, restic snapshots and the RPO of every catalog service. */
  async inventory(): Promise<Inventory> {
    const [backups, schedules, locations] = await Promise.all([
      this.velero.backups(),
      this.velero.schedules(),
      this.velero.locations(),
    ]);
    const snapshots = this.restic ? await this.restic.snapshots() : [];
    const now = this.now();
    return {
      at: now.toISOString(),
      backups: backups.sort((a, b) =>
        (b.startedAt ?? '').localeCompare(a.startedAt ?? ''),
      ),
      schedules,
      locations,
      snapshots,
      rpo: rpoPerService(this.o.platform, backups, snapshots, now),
    };
  }

  backup(name: string) {
    return this.velero.backup(name);
  }

  /**
   * Backs a namespace up with Velero (volumes by file system) and verifies
   * the backup: the namespace's objects, listed through a fresh discovery
   * just before, against the backup's resource list. A missing kind or
   * object marks the backup incomplete and names what is missing.
   */
  async backupNamespace(
    namespace: string,
    name = `${namespace}-${this.now()
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 14)}`,
  ): Promise<{ backup: BackupInfo; verification: BackupVerification }> {
    if (!(await this.cluster.namespacePhase(namespace)))
      throw new NotFoundError(`namespace ${namespace} does not exist`);
    const live = await this.cluster.namespaceObjects(namespace);
    await this.toolRunner.run(
      'velero',
      [
        'backup',
        'create',
        name,
        '--include-namespaces',
        namespace,
        '--default-volumes-to-fs-backup',
        '--wait',
        '--namespace',
        this.o.tools.veleroNamespace,
      ],
      { timeoutMs: this.o.timeoutMs ?? 15 * 60_000 },
    );
    const backup = await this.velero.backup(name);
    return {
      backup,
      verification: await this.verifyBackup(name, namespace, live),
    };
  }

  /** Compares `live` (the namespace's objects when the backup was taken) with the backup's resource list in the Velero bucket. */
  async verifyBackup(
    name: string,
    namespace: string,
    live: Parameters<typeof verifyBackupContents>[2],
  ): Promise<BackupVerification> {
    if (!this.o.s3)
      throw new Error(
        'verifying a backup reads its resource list from S3: set DRP_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
    const out = await this.o.s3.send(
      new GetObjectCommand({
        Bucket: this.o.buckets.velero.name,
        Key: `backups/${name}/${name}-resource-list.json.gz`,
      }),
    );
    const list = JSON.parse(
      gunzipSync(await out.Body!.transformToByteArray()).toString('utf8'),
    );
    return verifyBackupContents(name, namespace, live, list);
  }

  /** Plans a restore without acting: 404 for an unknown backup, 400 for a bad request. */
  async planRestore(input: {
    backup: string;
    namespace: string;
    mode?: RestoreMode;
    confirm?: string;
    target?: string;
  }): Promise<RestorePlan> {
    return planRestore({
      ...input,
      backup: await this.velero.backup(input.backup),
      suffix: this.newId(),
    });
  }

  /**
   * Starts a planned restore. An in-place restore waits until the namespace
   * is gone if it is terminating (velero#5697), and refuses a scratch target
   * that already exists.
   */
  async startRestore(plan: RestorePlan): Promise<RestorePlan> {
    const phase = await this.cluster.namespacePhase(plan.targetNamespace);
    if (plan.mode === 'scratch' && phase)
      throw new ConflictError(
        `namespace ${plan.targetNamespace} already exists: choose another scratch namespace`,
      );
    if (plan.waitForNamespaceGone && phase === 'Terminating') {
      const deadline = this.now().getTime() + (this.o.timeoutMs ?? 600_000);
      while (
        (await this.cluster.namespacePhase(plan.targetNamespace)) ===
        'Terminating'
      ) {
        if (this.now().getTime() > deadline)
          throw new ConflictError(
            `namespace ${plan.targetNamespace} is still terminating: retry once it is gone`,
          );
        await this.sleep(this.o.pollMs ?? 500);
      }
    }
    await this.velero.startRestore(plan);
    return plan;
  }

  restoreProgress(name: string) {
    return this.velero.restoreProgress(name);
  }

  /**
   * Follows a restore until Velero ends it, reporting each reading on the
   * way; gives up after the engine's timeout (the restore goes on in Velero).
   */
  async waitForRestore(
    name: string,
    onProgress?: (p: RestoreProgress) => void,
  ): Promise<RestoreProgress> {
    const timeout = this.o.timeoutMs ?? 15 * 60_000;
    const deadline = this.now().getTime() + timeout;
    let p = await this.restoreProgress(name);
    while (!RESTORE_DONE.includes(p.phase)) {
      onProgress?.(p);
      if (this.now().getTime() >= deadline)
        throw new ServiceUnavailableError(
          `restore ${name} is still ${p.phase} after ${Math.round(
            timeout / 1000,
          )} s: Velero goes on with it; follow it with velero restore describe ${name}`,
        );
      await this.sleep(this.o.pollMs ?? 500);
      p = await this.restoreProgress(name);
    }
    return p;
  }

  /** Velero's restore results, read from the Velero bucket, one row per message with a hint. */
  async restoreResults(name: string): Promise<DrillRecord['restoreResults']> {
    if (!this.o.s3) return undefined;
    const out = await this.o.s3.send(
      new GetObjectCommand({
        Bucket: this.o.buckets.velero.name,
        Key: `restores/${name}/restore-${name}-results.gz`,
      }),
    );
    const bytes = await out.Body!.transformToByteArray();
    return restoreResultRows(JSON.parse(gunzipSync(bytes).toString('utf8')));
  }

  private get drillDeps(): DrillDeps {
    const target: DrillTarget = {
      namespacePhase: n => this.cluster.namespacePhase(n),
      deleteNamespace: n => this.cluster.deleteNamespace(n),
      podReadiness: n => this.cluster.podReadiness(n),
      fingerprint: (n, p) => takeFingerprint(this.cluster, n, p),
      backups: () => this.velero.backups(),
      backup: n => this.velero.backup(n),
      startRestore: p => this.velero.startRestore(p),
      restoreExists: n => this.velero.restoreExists(n),
      restoreProgress: n => this.velero.restoreProgress(n),
      restoreResults: n => this.restoreResults(n),
    };
    return {
      target,
      store: this.o.store,
      now: this.now,
      sleep: ms => this.sleep(ms),
      pollMs: this.o.pollMs,
      timeoutMs: this.o.timeoutMs,
    };
  }

  /**
   * Starts a drill on a namespace: stored as running at once (a second drill
   * on the same namespace is a ConflictError), then run in the background.
   * `done` resolves with the final record.
   */
  async startDrill(
    input: StartDrillInput,
  ): Promise<{ record: DrillRecord; done: Promise<DrillRecord> }> {
    if (!(await this.cluster.namespacePhase(input.namespace)))
      throw new NotFoundError(`namespace ${input.namespace} does not exist`);
    const record: DrillRecord = {
      id: this.newId(),
      namespace: input.namespace,
      status: 'running',
      actor: input.actor,
      startedAt: this.now().toISOString(),
      backup: input.backup,
      timeline: [],
    };
    if (input.backup) await this.velero.backup(input.backup);
    await this.o.store.beginDrill(record);
    const done = runDrill(
      {
        ...this.drillDeps,
        probes: input.probes,
        onProgress: input.onProgress,
      },
      structuredClone(record),
    ).finally(() => this.running.delete(record.id));
    this.running.set(record.id, done);
    return { record, done };
  }

  /** Resolves the drills a previous process left running (see recoverDrills). */
  recoverDrills(probes?: DataProbe[]) {
    return recoverDrills({ ...this.drillDeps, probes });
  }

  drills(filter?: { namespace?: string; limit?: number }) {
    return this.o.store.drills(filter);
  }

  async drill(id: string): Promise<DrillRecord> {
    const r = await this.o.store.drill(id);
    if (!r) throw new NotFoundError(`no drill ${id}`);
    return r;
  }

  async drillReport(id: string): Promise<string> {
    return drillReportHtml(await this.drill(id));
  }

  /**
   * Tier 2: pg_dump of each PostgreSQL database of the catalog in the
   * cluster (or the one named) into the locked restic repository.
   */
  async dumpDatabases(only?: string): Promise<DumpResult[]> {
    const restic = this.requireRestic();
    const dbs = dumpableDatabases(this.o.platform, only);
    await restic.ensure();
    const out: DumpResult[] = [];
    for (const db of dbs)
      out.push(await dumpDatabase(restic, this.o.platform, db));
    return out;
  }

  /** Loads a database's newest dump (or `snapshot`) from restic into its pod. */
  async restoreDatabase(name: string, snapshot?: string) {
    const [db] = dumpableDatabases(this.o.platform, name);
    return restoreDatabase(this.requireRestic(), db, snapshot);
  }

  /**
   * The cold copy of the 3-2-1 rule: `restic copy` of every snapshot into a
   * repository at `path` (the admin's disk), created on first use.
   */
  async coldCopy(path: string) {
    const restic = this.requireRestic();
    const cold = new Restic(this.toolRunner, { url: path });
    const r = await restic.copyTo(cold);
    return { repository: path, ...r, snapshots: await cold.snapshots() };
  }

  private requireRestic(): Restic {
    if (!this.restic)
      throw new Error(
        'no restic repository configured (DRP_RESTIC_REPOSITORY, or the S3 settings and RESTIC_PASSWORD)',
      );
    return this.restic;
  }

  /** `restic check --read-data-subset`, its result stored. */
  async check(subset = '5%') {
    const restic = this.requireRestic();
    const r = await restic.check(subset);
    const record = {
      at: this.now().toISOString(),
      repository: restic.repository.url,
      subset,
      ...r,
    };
    await this.o.store.recordCheck(record);
    return record;
  }

  /** Waits for the drills started by this process (the CLI before it exits). */
  async settle() {
    await Promise.allSettled([...this.running.values()]);
  }

  private newId() {
    return this.o.newId?.() ?? randomBytes(4).toString('hex');
  }

  private sleep(ms: number) {
    return this.o.sleep?.(ms) ?? new Promise<void>(r => setTimeout(r, ms));
  }
}
