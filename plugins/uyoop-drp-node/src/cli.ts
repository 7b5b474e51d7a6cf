import type { CliIO } from '@internal/platform';
import {
  latestGoodBackup,
  planRestore,
  PlanError,
} from '@internal/plugin-uyoop-drp-common';
import type { DrpEngine } from './engine';
import type { DataProbe } from './fingerprint';
import { formatSeconds } from './report';

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
  inventory                  schedules, backups, storage locations, restic snapshots, RPO per catalog service
  drill NAMESPACE            delete NAMESPACE on purpose, restore it from its last good backup, measure RTO and RPO,
                             compare fingerprints; --backup NAME, --probe NAME=SELECTOR:COMMAND (repeatable: a
                             command whose output must be the same after the restore), --html FILE, --dry-run
  backup NAMESPACE           a Velero backup (volumes by file system) verified against a fresh listing of the namespace's
                             objects: exit 1, naming what is missing, when the backup is incomplete; --name NAME
  report DRILL-ID            a stored drill; --html FILE writes the standalone proof page
  drills                     the stored drills, newest first
  check                      restic check --read-data-subset (--subset 5%), result stored

options: --json (machine output), --db FILE (SQLite store; default $DRP_DB or ~/.cache/uyoop/drp.sqlite)
environment: KUBECONFIG, DRP_BIN (folder of kubectl, velero, restic), VELERO_NAMESPACE, DRP_S3_ENDPOINT, DRP_S3_REGION,
             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, RESTIC_PASSWORD, DRP_RESTIC_REPOSITORY
exit codes: 0 done, 1 failed, 2 bad usage`;

class UsageError extends Error {}

interface Args {
  positional: string[];
  flags: Record<string, string[]>;
  bools: Set<string>;
}

const VALUED = ['backup', 'probe', 'html', 'db', 'subset', 'name'];
const BOOLS = ['json', 'dry-run', 'help'];

export function parseArgs(argv: string[]): Args {
  const out: Args = { positional: [], flags: {}, bools: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (BOOLS.includes(name)) out.bools.add(name);
    else if (VALUED.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      (out.flags[name] ??= []).push(v);
    } else throw new UsageError(`Unknown option '--${name}'`);
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
    'inventory',
    'backup',
    'drill',
    'report',
    'drills',
    'check',
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
    if (
      ['backup', 'drill', 'report'].includes(command) &&
      args.positional.length !== 1
    )
      throw new UsageError(
        `${command} needs one ${
          command === 'report' ? 'DRILL-ID' : 'NAMESPACE'
        }`,
      );
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(e.message ? `${e.message}\n\n${drpUsage}` : drpUsage);
    return 2;
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
