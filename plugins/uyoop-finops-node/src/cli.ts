import type { Knex } from 'knex';
import {
  isUsageError,
  parseCommandLine,
  usageFailure,
  UsageError,
} from '@internal/platform';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import {
  BreakdownReport,
  formatAmount,
  eur,
} from '@internal/plugin-uyoop-finops-common';
import {
  accessRules,
  credentialSteps,
  credentialsFromEnv,
  describeCredentials,
  OVH_ENV,
} from './credentials';
import type { FinopsEngine } from './engine';
import { currentPeriod, isPeriod } from './lines';
import { nextPeriod } from '@internal/plugin-uyoop-finops-common';

export interface FinopsCliIO {
  out(line: string): void;
  err(line: string): void;
  writeFile(path: string, content: string): Promise<void>;
}

export interface OpenEngineOptions {
  db?: string;
  /** app-config files (--config); default: the repository's app-config.yaml. */
  configFiles: string[];
}

export interface FinopsCliDeps {
  openEngine(
    options: OpenEngineOptions,
  ): Promise<{ engine: FinopsEngine; close(): Promise<void> }>;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

export const finopsUsage = `usage: finops <command> [options]

commands:
  ingest       read costs (OVH API, or the dossier's estimates without credentials) and store them
               --period YYYY-MM (repeatable; default: the running and previous months and every month still
               waiting for its final bill, or every month since the catalog's first node for estimates)
               --manual FILE (CSV or YAML manual entries, repeatable; kept until removed; with --period,
               every entry must fall in those periods)  --dry-run
  manual       list [--period YYYY-MM] | remove ID...   the stored manual entries
  report       [monthly|legacy|services|systems|namespaces|forecast]  --from YYYY-MM --to YYYY-MM --period YYYY-MM
  budget       budgets of the month with their thresholds  --period YYYY-MM  --check (exit 1 when one is exceeded)
  credentials  the narrowest OVH access rules and the consumer-key steps

options: --json (machine output), --csv FILE (report and budget), --db FILE (SQLite store; default $FINOPS_DB or ~/.cache/uyoop/finops.sqlite),
         --config FILE (app-config, repeatable, as the backend reads it; default: app-config.yaml)
exit codes: 0 done, 1 failed, 2 bad usage`;

interface Args {
  command?: string;
  positional: string[];
  flags: Record<string, string[]>;
  bools: Set<string>;
}

const BOOLS = ['json', 'dry-run', 'check', 'help'] as const;
const VALUED = ['period', 'manual', 'from', 'to', 'csv', 'db', 'config'] as const;

/** The command line, read by the platform's one parser (strict: an unknown option is bad usage). */
export function parseArgs(argv: string[]): Args {
  const { values, positionals } = parseCommandLine(argv, {
    ...Object.fromEntries(BOOLS.map(b => [b, { type: 'boolean' as const }])),
    ...Object.fromEntries(
      VALUED.map(v => [v, { type: 'string' as const, multiple: true }]),
    ),
  });
  const a: Args = {
    command: positionals[0],
    positional: positionals.slice(1),
    flags: {},
    bools: new Set(),
  };
  for (const [k, v] of Object.entries(values)) {
    if (Array.isArray(v)) a.flags[k] = v as string[];
    else if (v === true) a.bools.add(k);
  }
  for (const k of ['period', 'from', 'to'])
    for (const v of a.flags[k] ?? [])
      if (!isPeriod(v))
        throw new UsageError(`--${k} must be YYYY-MM, got "${v}"`);
  return a;
}

/** CSV with a header; fields quoted when they need it. */
export function toCsv(
  header: string[],
  rows: (string | number | boolean | null)[][],
): string {
  return stringifyCsv(
    rows.map(r => r.map(v => (v === null ? '' : String(v)))),
    { header: true, columns: header, record_delimiter: 'unix' },
  );
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: number) => v.toFixed(2).padStart(9);

/** `scripts/finops.ts`: parse, call the engine, print. Returns the exit code. */
export async function finopsCli(
  argv: string[],
  io: FinopsCliIO,
  deps: FinopsCliDeps,
): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.bools.has('help')) {
      io.out(finopsUsage);
      return 0;
    }
    if (
      !['ingest', 'report', 'budget', 'manual', 'credentials'].includes(
        args.command ?? '',
      )
    )
      throw new UsageError(
        args.command
          ? `unknown command "${args.command}"`
          : 'a command is needed',
      );
  } catch (e) {
    if (isUsageError(e))
      return usageFailure(io, `finops: ${(e as Error).message}`, finopsUsage);
    throw e;
  }
  const json = args.bools.has('json');
  const emit = (value: unknown, text: () => string[]) =>
    json
      ? io.out(JSON.stringify(value, null, 2))
      : text().forEach(l => io.out(l));

  if (args.command === 'credentials') {
    let state: string;
    try {
      state = describeCredentials(credentialsFromEnv(deps.env));
    } catch (e) {
      state = (e as Error).message;
    }
    const project = deps.env[OVH_ENV.cloudProjectId];
    emit(
      {
        state,
        accessRules: accessRules(project),
        steps: credentialSteps(project),
      },
      () => [
        state,
        '',
        'Access rules (GET only):',
        ...accessRules(project).map(r => `  ${r.method} ${r.path}`),
        '',
        ...credentialSteps(project),
      ],
    );
    return 0;
  }

  let opened: Awaited<ReturnType<FinopsCliDeps['openEngine']>>;
  try {
    opened = await deps.openEngine({
      db: args.flags.db?.[0],
      configFiles: args.flags.config ?? [],
    });
  } catch (e) {
    io.err(`finops: ${(e as Error).message}`);
    return 1;
  }
  const { engine } = opened;
  const now = currentPeriod(deps.now?.() ?? new Date());
  try {
    if (args.command === 'manual') {
      const [action, ...ids] = args.positional;
      if (action === 'list' || action === undefined) {
        const lines = (await engine.store.lines({ source: 'manual' })).filter(
          l => !args.flags.period || args.flags.period.includes(l.period),
        );
        emit({ entries: lines }, () =>
          lines.length
            ? lines.map(
                l =>
                  `${l.externalId}  ${l.period}  ${pad(l.category, 8)} ${num(
                    l.amountHT,
                  )} HT ${num(l.amountTTC)} TTC  ${l.description}`,
              )
            : ['no manual entry stored'],
        );
        return 0;
      }
      if (action === 'remove') {
        if (!ids.length) {
          io.err(
            `finops: manual remove needs the ids that \`finops manual list\` shows

${finopsUsage}`,
          );
          return 2;
        }
        const removed = await engine.store.removeManual(ids);
        const missing = ids.filter(id => !removed.some(l => l.externalId === id));
        emit({ removed, missing }, () => [
          ...removed.map(
            l => `removed ${l.externalId} (${l.period}, ${l.description})`,
          ),
          ...missing.map(id => `no manual entry ${id}`),
        ]);
        return missing.length ? 1 : 0;
      }
      io.err(`finops: unknown manual action "${action}"

${finopsUsage}`);
      return 2;
    }

    if (args.command === 'ingest') {
      const periods = args.flags.period ?? (await engine.defaultPeriods());
      if (args.bools.has('dry-run')) {
        emit(
          {
            plan: {
              periods,
              source: engine.usesEstimates ? 'estimate' : 'ovh',
              manual: args.flags.manual ?? [],
            },
          },
          () => [
            `would ingest ${periods.join(', ')} from ${
              engine.usesEstimates
                ? "the dossier's target prices (estimate: no OVH credentials)"
                : 'the OVH API'
            }${
              args.flags.manual?.length
                ? ` and ${args.flags.manual.join(', ')}`
                : ''
            }`,
          ],
        );
        return 0;
      }
      const result = await engine.ingest(args.flags.period, {
        manualFiles: args.flags.manual ?? [],
      });
      emit(result, () => [
        `ingested ${result.periods.join(', ')}${
          result.estimate ? ' (estimate)' : ''
        }:`,
        ...result.changes.map(
          c =>
            `  ${pad(c.source, 16)} ${c.added} added, ${c.replaced} replaced, ${c.removed} removed`,
        ),
        ...result.periods.map(
          p =>
            `  ${p}: ${result.statuses[p] ?? 'manual only'}, allocation ${
              result.allocations[p]
            }`,
        ),
      ]);
      return 0;
    }

    if (args.command === 'budget') {
      const report = await engine.budgetReport(args.flags.period?.[0] ?? now);
      if (args.flags.csv)
        await io.writeFile(
          args.flags.csv[0],
          toCsv(
            [
              'period',
              'budget',
              'basis',
              'limit',
              'spent',
              'projected',
              'ratio',
              'status',
            ],
            report.budgets.map(b => [
              b.period,
              b.budget.name,
              b.basis,
              b.budget.monthly,
              b.spent,
              b.projected,
              b.ratio,
              b.status,
            ]),
          ),
        );
      emit(report, () => [
        `budgets for ${report.period}:`,
        ...report.budgets.map(
          b =>
            `  ${pad(b.status.toUpperCase(), 9)} ${pad(
              b.budget.name,
              36,
            )} ${formatAmount(eur(b.spent, b.basis))} of ${formatAmount(
              eur(b.budget.monthly, b.basis),
            )} (${Math.round(b.ratio * 100)}%, month-end ${formatAmount(
              eur(b.projected, b.basis),
            )})`,
        ),
      ]);
      return args.bools.has('check') &&
        report.budgets.some(b => b.status === 'exceeded')
        ? 1
        : 0;
    }

    // report
    const kind = args.positional[0] ?? 'monthly';
    const to = args.flags.to?.[0] ?? now;
    const from = args.flags.from?.[0] ?? nextPeriod(to, -11);
    const csv = args.flags.csv?.[0];
    if (kind === 'monthly') {
      const r = await engine.monthlyReport(from, to);
      if (csv)
        await io.writeFile(
          csv,
          toCsv(
            [
              'period',
              'service',
              'ht',
              'vat',
              'ttc',
              'currency',
              'estimate',
              'status',
            ],
            r.months.flatMap(m =>
              Object.entries(m.byService).map(([s, t]) => [
                m.period,
                s,
                t.ht,
                t.vat,
                t.ttc,
                'EUR',
                m.estimate,
                m.status,
              ]),
            ),
          ),
        );
      emit(r, () => [
        `${pad('month', 8)} ${'HT'.padStart(9)} ${'VAT'.padStart(
          9,
        )} ${'TTC'.padStart(9)}  (EUR)`,
        ...r.months.map(
          m =>
            `${pad(m.period, 8)} ${num(m.total.ht)} ${num(m.total.vat)} ${num(
              m.total.ttc,
            )}  ${m.status}${
              m.allocation === 'no-snapshot'
                ? ' (no allocation snapshot: even split)'
                : ''
            }`,
        ),
      ]);
      return 0;
    }
    if (kind === 'legacy') {
      const r = await engine.legacyReport();
      if (csv)
        await io.writeFile(
          csv,
          toCsv(
            ['side', 'item', 'amount', 'basis', 'per'],
            [
              ...r.legacy.lines.map(l => [
                'legacy',
                l.provider,
                l.annualHT,
                'HT',
                'year',
              ]),
              ['legacy', 'total', r.legacy.annualHT, 'HT', 'year'],
              ['legacy', 'total', r.legacy.monthlyTTC, 'TTC', 'month'],
              ...r.sovereign.lines.map(l => [
                'sovereign',
                l.label,
                l.monthly,
                'TTC',
                'month',
              ]),
              ['sovereign', 'fixed', r.sovereign.fixedTTC, 'TTC', 'month'],
              [
                'sovereign',
                'optimised',
                r.sovereign.optimisedTTC,
                'TTC',
                'month',
              ],
              [
                'sovereign',
                'full package',
                r.sovereign.fullPackageTTC,
                'TTC',
                'month',
              ],
            ],
          ),
        );
      emit(r, () => [
        `legacy SaaS (2025): ${r.legacy.lines
          .map(l => `${l.provider} ${l.annualHT.toFixed(2)}`)
          .join(' + ')} = ${formatAmount(
          eur(r.legacy.annualHT, 'HT'),
        )} a year (${formatAmount(eur(r.legacy.monthlyTTC, 'TTC'))} a month)`,
        `sovereign (${
          r.estimate
            ? 'estimate: dossier target prices'
            : `invoices of ${r.measured!.period}`
        }): fixed ${formatAmount(
          eur(r.sovereign.fixedTTC, 'TTC'),
        )}, optimised ${formatAmount(eur(r.sovereign.optimisedTTC, 'TTC'))} (~${
          r.sovereign.optimisedApproxTTC
        }), with the AI node ${formatAmount(
          eur(r.sovereign.fullPackageTTC, 'TTC'),
        )} (~${r.sovereign.fullPackageApproxTTC}) a month`,
        `saving: ${formatAmount(
          eur(r.optimised.savingMonthlyTTC, 'TTC'),
        )} a month (${r.optimised.savingPercent}%) optimised, ${formatAmount(
          eur(r.fullPackage.savingMonthlyTTC, 'TTC'),
        )} (${r.fullPackage.savingPercent}%) with the AI node; payback ${
          r.optimised.paybackMonths ?? 'never'
        } months`,
        ...r.optimised.notes.map(n => `  note: ${n}`),
      ]);
      return 0;
    }
    if (kind === 'services' || kind === 'systems' || kind === 'namespaces') {
      const by = kind.slice(0, -1) as BreakdownReport['by'];
      const r = await engine.breakdown(args.flags.period?.[0] ?? now, by);
      if (csv)
        await io.writeFile(
          csv,
          toCsv(
            [by, 'ht', 'ttc', 'share', 'currency'],
            [
              ...r.rows.map(x => [x.key, x.ht, x.ttc, x.share, 'EUR']),
              ['(idle)', r.idle.ht, r.idle.ttc, null, 'EUR'],
            ],
          ),
        );
      emit(r, () => [
        `${r.period} by ${by} (allocation: ${r.method})  ${'HT'.padStart(
          9,
        )} ${'TTC'.padStart(9)}`,
        ...r.rows.map(x => `  ${pad(x.key, 40)} ${num(x.ht)} ${num(x.ttc)}`),
        `  ${pad('(idle: capacity minus requests)', 40)} ${num(
          r.idle.ht,
        )} ${num(r.idle.ttc)}`,
      ]);
      return 0;
    }
    if (kind === 'forecast') {
      const r = await engine.forecast();
      if (csv)
        await io.writeFile(
          csv,
          toCsv(
            ['period', 'kind', 'ttc'],
            [
              ...r.history.map(h => [h.period, 'actual', h.value]),
              ...r.linear.map(h => [h.period, 'linear', h.value]),
              ...(r.ovh ? [[r.ovh.period, 'ovh', r.ovh.value]] : []),
            ],
          ),
        );
      emit(r, () => [
        ...r.history.map(h => `${h.period}  ${num(h.value)} TTC`),
        ...r.linear.map(
          h => `${h.period}  ${num(h.value)} TTC  (linear projection)`,
        ),
        ...(r.ovh
          ? [`${r.ovh.period}  ${num(r.ovh.value)} TTC  (OVH forecast)`]
          : []),
      ]);
      return 0;
    }
    io.err(`finops: unknown report "${kind}"\n\n${finopsUsage}`);
    return 2;
  } catch (e) {
    io.err(`finops: ${(e as Error).message}`);
    return 1;
  } finally {
    await opened.close();
  }
}

export type { Knex };
