import type { CliIO } from '@internal/platform';
import {
  isUsageError,
  parseCommandLine,
  usageFailure,
  UsageError,
} from '@internal/platform';
import {
  latestGoodBackup,
  planRestore,
  PlanError,
} from '@internal/plugin-uyoop-drp-common';
import type { DrpEngine } from './engine';
import type { DataProbe } from './fingerprint';
import { formatRestoreProgress, formatSeconds } from './report';

export interface DrpCliIO extends CliIO {
  writeFile(path: string, content: string): Promise<void>;
}

export interface DrpCliDeps {
  openEngine(options: {
    db?: string;
  }): Promise<{ engine: DrpEngine; close(): Promise<void> }>;
  actor: string;
}

export const drpUsage = `usage: drp <command> [options]

commands:
  preflight                  tools, buckets (reachable, Object Lock as the catalog says) and what will NOT be backed up
                             (exit 1 when something will not be)
  status | inventory          schedules, backups, storage locations, restic snapshots, RPO per catalog service
  restore BACKUP NAMESPACE   restore NAMESPACE from BACKUP into a scratch namespace (--target NS, default NAMESPACE-<id>)
                             with its progress until Velero ends it; --in-place --confirm NAMESPACE restores over the
                             live namespace (waits until a terminating one is gone); --dry-run prints the plan
  drill NAMESPACE            delete NAMESPACE on purpose, restore it from its last good backup, measure RTO and RPO,
                             compare fingerprints; --backup NAME, --probe NAME=SELECTOR:COMMAND (repeatable: a
                             command whose output must be the same after the restore), --html FILE, --dry-run
  backup NAMESPACE           a Velero backup (volumes by file system) verified against a fresh listing of the namespace's
                             objects: exit 1, naming what is missing, when the backup is incomplete; --name NAME
  report DRILL-ID            a stored drill; --html FILE writes the standalone proof page
  drills                     the stored drills, newest first
  check                      restic check --read-data-subset (--subset 5%), result stored
  dump [DATABASE]            tier 2: pg_dump of each PostgreSQL database of the catalog in the cluster (or DATABASE)
                             streamed into the restic repository on the Object Lock bucket, tagged with its name
  restore-dump DATABASE      load DATABASE's newest dump (or --snapshot ID) from restic into its pod
  copy PATH                  the cold copy: restic copy of every snapshot into the repository at PATH (created if new)

options: --json (machine output), --db FILE (SQLite store; default $DRP_DB or ~/.cache/uyoop/drp.sqlite)
environment: KUBECONFIG, DRP_BIN (folder of kubectl, velero, restic), VELERO_NAMESPACE, DRP_S3_ENDPOINT, DRP_S3_REGION,
             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, RESTIC_PASSWORD, DRP_RESTIC_REPOSITORY
exit codes: 0 done, 1 failed, 2 bad usage`;

interface Args {
  positional: string[];
  flags: Record<string, string[]>;
  bools: Set<string>;
}

const VALUED = [
  'backup',
  'probe',
  'html',
  'db',
  'subset',
  'name',
  'snapshot',
  'target',
  'confirm',
];
const BOOLS = ['json', 'dry-run', 'help', 'in-place'];

/** The command line, read by the platform's one parser (strict: an unknown option is bad usage). */
export function parseArgs(argv: string[]): Args {
  const { values, positionals } = parseCommandLine(argv, {
    ...Object.fromEntries(BOOLS.map(b => [b, { type: 'boolean' as const }])),
    ...Object.fromEntries(
      VALUED.map(v => [v, { type: 'string' as const, multiple: true }]),
    ),
  });
  const out: Args = { positional: positionals, flags: {}, bools: new Set() };
  for (const [k, v] of Object.entries(values)) {
    if (Array.isArray(v)) out.flags[k] = v as string[];
    else if (v === true) out.bools.add(k);
  }
  return out;
}

/** `NAME=SELECTOR:COMMAND`, e.g. `rows=app=db:psql -Atc 'select count(*) from t'`. */
export function parseProbe(text: string): DataProbe {
  const m = text.match(/^([a-z0-9][a-z0-9-]*)=([^:]+):(.+)$/s);
  if (!m)
    throw new UsageError(
      `--probe "${text}" is not NAME=SELECTOR:COMMAND, e.g. rows=app=db:psql -Atc 'select count(*) from t'`,
    );
  return { name: m[1], selector: m[2], command: ['sh', '-c', m[3]] };
}

/** The `drp` commands. Returns the exit code: 0 done, 1 failed, 2 bad usage. */
export async function drpCli(
  argv: string[],
  io: DrpCliIO,
  deps: DrpCliDeps,
): Promise<number> {
  let args: Args;
  let probes: DataProbe[];
  const [command, ...rest] = argv;
  const known = [
    'preflight',
    'status',
    'inventory',
    'restore',
    'backup',
    'drill',
    'report',
    'drills',
    'check',
    'dump',
    'restore-dump',
    'copy',
  ];
  try {
    if (!command || !known.includes(command))
      throw new UsageError(
        !command
          ? ''
          : command.startsWith('-')
          ? `Unknown option '${command}'`
          : `unknown command "${command}"`,
      );
    args = parseArgs(rest);
    probes = (args.flags.probe ?? []).map(parseProbe);
    if (command === 'restore' && args.positional.length !== 2)
      throw new UsageError('restore needs a BACKUP and its NAMESPACE');
    if (args.flags.confirm && !args.bools.has('in-place'))
      throw new UsageError('--confirm goes with --in-place');
    const needs: Record<string, string> = {
      backup: 'NAMESPACE',
      drill: 'NAMESPACE',
      report: 'DRILL-ID',
      'restore-dump': 'DATABASE',
      copy: 'PATH',
    };
    if (needs[command] && args.positional.length !== 1)
      throw new UsageError(`${command} needs one ${needs[command]}`);
    if (command === 'dump' && args.positional.length > 1)
      throw new UsageError('dump takes at most one DATABASE');
  } catch (e) {
    if (!isUsageError(e)) throw e;
    return usageFailure(io, e, drpUsage);
  }
  const json = args.bools.has('json');
  const print = (value: unknown, text: () => string[]) => {
    if (json) io.out(JSON.stringify(value, null, 2));
    else text().forEach(l => io.out(l));
  };
  const { engine, close } = await deps.openEngine({ db: args.flags.db?.[0] });
  try {
    switch (command) {
      case 'preflight': {
        const r = await engine.preflight();
        print(r, () => [
          ...r.passed.map(p => `ok    ${p}`),
          ...r.findings.map(
            f =>
              `${f.severity === 'error' ? 'FAIL ' : 'warn '} ${f.subject}: ${
                f.message
              }`,
          ),
          r.ok
            ? 'preflight passed'
            : `preflight failed: ${
                r.findings.filter(f => f.severity === 'error').length
              } problems`,
        ]);
        return r.ok ? 0 : 1;
      }
      case 'restore': {
        const [backup, namespace] = args.positional;
        const plan = await engine.planRestore({
          backup,
          namespace,
          mode: args.bools.has('in-place') ? 'in-place' : 'scratch',
          confirm: args.flags.confirm?.[0],
          target: args.flags.target?.[0],
        });
        const what = `restore ${plan.restoreName}: backup ${plan.backup}, ${plan.sourceNamespace} -> ${plan.targetNamespace} (${plan.mode})`;
        if (args.bools.has('dry-run')) {
          print(plan, () => [`would ${what}`]);
          return 0;
        }
        await engine.startRestore(plan);
        if (!json) io.err(`${what}: started`);
        const p = await engine.waitForRestore(plan.restoreName, q => {
          if (!json) io.err(formatRestoreProgress(q));
        });
        print({ plan, progress: p }, () => [
          `${what}: ${p.phase}, ${p.itemsRestored ?? 0}/${
            p.totalItems ?? '?'
          } items, ${p.volumeBytesTotal} volume bytes, ${p.errors} errors, ${
            p.warnings
          } warnings`,
        ]);
        return p.phase === 'Completed' ? 0 : 1;
      }
      case 'status':
      case 'inventory': {
        const inv = await engine.inventory();
        print(inv, () => [
          `storage locations: ${
            inv.locations
              .map(l => `${l.name} (${l.bucket}) ${l.phase}`)
              .join(', ') || 'none'
          }`,
          `schedules: ${
            inv.schedules
              .map(s => `${s.name} "${s.cron}" ${s.namespaces.join(',')}`)
              .join('; ') || 'none'
          }`,
          `backups: ${inv.backups.length}`,
          ...inv.backups
            .slice(0, 20)
            .map(
              b =>
                `  ${b.name}  ${b.phase}  ${
                  b.startedAt ?? ''
                }  ${b.namespaces.join(',')}`,
            ),
          `restic snapshots: ${inv.snapshots.length}`,
          'RPO per service:',
          ...inv.rpo.map(
            r =>
              `  ${r.service} (${r.tiers.join('+')}): ${
                r.rpoSeconds === undefined
                  ? 'NO BACKUP'
                  : formatSeconds(r.rpoSeconds)
              }`,
          ),
        ]);
        return 0;
      }
      case 'backup': {
        const { backup, verification: v } = await engine.backupNamespace(
          args.positional[0],
          args.flags.name?.[0],
        );
        const ok = backup.phase === 'Completed' && v.complete;
        print({ backup, verification: v }, () => [
          `backup ${backup.name}: ${backup.phase}, ${
            backup.itemsBackedUp ?? '?'
          } items`,
          v.complete
            ? `verified: all ${v.objectsExpected} objects of ${v.namespace} are in it`
            : `INCOMPLETE: ${v.missingObjects.length} of ${
                v.objectsExpected
              } objects missing${
                v.missingKinds.length
                  ? ` (kinds ${v.missingKinds.join(', ')})`
                  : ''
              }`,
          ...v.missingObjects.map(o => `  missing ${o}`),
        ]);
        return ok ? 0 : 1;
      }
      case 'drill': {
        const namespace = args.positional[0];
        if (args.bools.has('dry-run')) {
          const backup = args.flags.backup
            ? await engine.backup(args.flags.backup[0])
            : latestGoodBackup((await engine.inventory()).backups, namespace);
          if (!backup) {
            io.err(`no Completed backup holds ${namespace}: back it up first`);
            return 1;
          }
          const plan = planRestore({
            backup,
            namespace,
            mode: 'in-place',
            confirm: namespace,
            suffix: 'drill',
          });
          print({ plan, probes }, () => [
            `would delete namespace ${namespace}, wait until it is gone,`,
            `restore it from backup ${backup.name} (taken ${backup.startedAt}),`,
            `wait for every pod Ready and compare ${probes.length} data probes and every object.`,
          ]);
          return 0;
        }
        const { record, done } = await engine.startDrill({
          namespace,
          actor: deps.actor,
          backup: args.flags.backup?.[0],
          probes,
          onProgress: json ? undefined : (_r, line) => io.err(`drill: ${line}`),
        });
        if (!json) io.err(`drill ${record.id} on ${namespace} started`);
        const r = await done;
        if (args.flags.html)
          await io.writeFile(
            args.flags.html[0],
            await engine.drillReport(r.id),
          );
        print(r, () => [
          `drill ${r.id}: ${r.status}${r.error ? ` (${r.error})` : ''}`,
          `RTO ${formatSeconds(r.rtoSeconds)}, RPO ${formatSeconds(
            r.rpoSeconds,
          )}`,
        ]);
        return r.status === 'succeeded' ? 0 : 1;
      }
      case 'report': {
        const r = await engine.drill(args.positional[0]);
        if (args.flags.html)
          await io.writeFile(
            args.flags.html[0],
            await engine.drillReport(r.id),
          );
        print(r, () => [
          `drill ${r.id} on ${r.namespace}: ${r.status}${
            r.error ? ` (${r.error})` : ''
          }`,
          `backup ${r.backup ?? '-'}, RTO ${formatSeconds(
            r.rtoSeconds,
          )}, RPO ${formatSeconds(r.rpoSeconds)}`,
          ...r.timeline.map(
            s => `  ${s.at}  ${s.step}${s.detail ? `  ${s.detail}` : ''}`,
          ),
        ]);
        return 0;
      }
      case 'drills': {
        const list = await engine.drills();
        print(list, () =>
          list.map(
            r =>
              `${r.id}  ${r.namespace}  ${r.status}  ${
                r.startedAt
              }  RTO ${formatSeconds(r.rtoSeconds)}  RPO ${formatSeconds(
                r.rpoSeconds,
              )}`,
          ),
        );
        return 0;
      }
      case 'dump': {
        const dumps = await engine.dumpDatabases(args.positional[0]);
        print(dumps, () =>
          dumps.map(
            d =>
              `${d.database} (${d.namespace}): snapshot ${d.snapshot}, ${
                d.bytes
              } bytes, tags ${d.tags.join(',')}`,
          ),
        );
        return 0;
      }
      case 'restore-dump': {
        const r = await engine.restoreDatabase(
          args.positional[0],
          args.flags.snapshot?.[0],
        );
        print(r, () => [
          `${r.database}: loaded from restic snapshot ${r.snapshot}`,
        ]);
        return 0;
      }
      case 'copy': {
        const c = await engine.coldCopy(args.positional[0]);
        print(c, () => [
          `cold copy ${c.repository}${c.created ? ' (created)' : ''}: ${
            c.snapshots.length
          } snapshots`,
        ]);
        return 0;
      }
      case 'check': {
        const c = await engine.check(args.flags.subset?.[0]);
        print(c, () => [
          `restic check ${c.subset} of ${c.repository}: ${
            c.ok ? 'ok' : 'FAILED'
          }`,
          c.output,
        ]);
        return c.ok ? 0 : 1;
      }
    }
    return 2;
  } catch (e) {
    if (e instanceof PlanError) {
      io.err(`drp: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await engine.settle();
    await close();
  }
}
