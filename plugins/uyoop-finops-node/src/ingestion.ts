import {
  AllocationMethod,
  CostLine,
  CostSource,
  nextPeriod,
  PeriodStatus,
  periodRange,
} from '@internal/plugin-uyoop-finops-common';
import type { Platform } from '@internal/platform';
import { estimateLines, estimatesSince } from './estimate';
import { currentPeriod, isPeriod } from './lines';
import { ManualEntry, manualLines, readManualEntries } from './manual';
import type { OvhApi } from './ovh/client';
import { collectOvh } from './ovh/source';
import type { CostStore, SourceChange } from './store/store';

export interface EngineLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface IngestionOptions {
  store: CostStore;
  platform: Platform;
  ovh?: OvhApi;
  nodeServices?: Record<string, string>;
  cloudProjectId?: string;
  /** Files of manual entries imported at every ingestion, each entry into its own month. */
  manualFiles?: string[];
  now: () => Date;
}

export interface IngestResult {
  periods: string[];
  sources: CostSource[];
  lines: number;
  estimate: boolean;
  /** Allocation method of the last period ingested. */
  allocation: AllocationMethod;
  /** Allocation method of each period ingested. */
  allocations: Record<string, AllocationMethod>;
  /** Per source, the stored lines added, replaced and removed. */
  changes: SourceChange[];
  /** Status of each period after the ingestion. */
  statuses: Record<string, PeriodStatus>;
}

/** How many months back a period that is still provisional keeps being re-read. */
export const LATE_BILL_MONTHS = 12;

/** Manual entries whose month is not among the periods asked for: refused, never dropped. */
export class PeriodMismatchError extends Error {
  constructor(
    readonly entries: { at: string; period: string }[],
    readonly periods: string[],
  ) {
    const months = [...new Set(entries.map(e => e.period))].sort();
    super(
      `manual entries outside the ingested periods (${periods.join(
        ', ',
      )}), nothing was imported:\n${entries
        .map(e => `  - ${e.at}: period ${e.period}`)
        .join('\n')}\nadd ${months
        .map(m => `--period ${m}`)
        .join(' ')}, or leave --period out to import each entry into its own month`,
    );
    this.name = 'PeriodMismatchError';
  }
}

const OVH_SOURCES: CostSource[] = ['ovh-bill', 'ovh-consumption', 'ovh-cloud'];

/**
 * The periods a scheduled ingestion reads: with OVH, the running month, the
 * previous one, and every month of the last year still provisional (a bill
 * issued in M+1 for M is picked up then); with the estimates, every month
 * since the first node of the catalog entered service.
 */
export async function defaultPeriods(
  options: Pick<IngestionOptions, 'store' | 'platform' | 'ovh' | 'now'>,
): Promise<string[]> {
  const now = currentPeriod(options.now());
  if (!options.ovh) {
    const since = estimatesSince(options.platform.nodes) ?? now;
    return periodRange(since < now ? since : now, now);
  }
  const statuses = await options.store.periodStatuses();
  const oldest = nextPeriod(now, -LATE_BILL_MONTHS);
  const wanted = new Set([nextPeriod(now, -1), now]);
  for (const [period, status] of Object.entries(statuses))
    if (status === 'provisional' && period >= oldest && period <= now)
      wanted.add(period);
  return [...wanted].filter(p => statuses[p] !== 'final').sort();
}

/**
 * A period is final once the month after it has ended and a bill for its
 * usage (not only the domains') has been read; until then it is provisional.
 */
function statusOf(
  period: string,
  lines: CostLine[],
  now: string,
): PeriodStatus {
  const billed = lines.some(
    l => l.source === 'ovh-bill' && l.category !== 'domain',
  );
  return billed && nextPeriod(period, 2) <= now ? 'final' : 'provisional';
}

async function readManual(
  files: string[],
): Promise<{ entries: ManualEntry[]; lines: CostLine[] }> {
  const entries: ManualEntry[] = [];
  for (const f of files) entries.push(...(await readManualEntries(f)));
  return { entries, lines: manualLines(entries) };
}

/**
 * Reads every source of the periods into the store. Each source replaces
 * only its own lines of the period; manual entries are only ever added
 * (`CostStore.removeManual` takes them out). `manualFiles` given here must
 * fit the periods asked for: an entry of another month is refused with
 * PeriodMismatchError before anything is written.
 */
export async function ingestPeriods(
  options: IngestionOptions,
  periods: string[] | undefined,
  run: { manualFiles?: string[] } = {},
): Promise<{
  periods: string[];
  lines: CostLine[];
  changes: SourceChange[];
  statuses: Record<string, PeriodStatus>;
}> {
  for (const p of periods ?? [])
    if (!isPeriod(p)) throw new Error(`period must be YYYY-MM, got "${p}"`);
  // Every input is read and checked before the first write.
  const asked = await readManual(run.manualFiles ?? []);
  if (periods) {
    const outside = asked.entries
      .filter(e => !periods.includes(e.period))
      .map(e => ({ at: e.at ?? 'manual entries', period: e.period }));
    if (outside.length) throw new PeriodMismatchError(outside, periods);
  }
  const configured = await readManual(options.manualFiles ?? []);
  const todo = periods ?? (await defaultPeriods(options));
  const now = currentPeriod(options.now());
  const { store, platform, ovh } = options;

  const changes = new Map<CostSource, SourceChange>();
  const merge = (cs: SourceChange[]) => {
    for (const c of cs) {
      const m = changes.get(c.source) ?? {
        source: c.source,
        added: 0,
        replaced: 0,
        removed: 0,
      };
      m.added += c.added;
      m.replaced += c.replaced;
      m.removed += c.removed;
      changes.set(c.source, m);
    }
  };
  const all: CostLine[] = [];
  const statuses: Record<string, PeriodStatus> = {};
  for (const period of todo) {
    let lines: CostLine[];
    const replace: { source: CostSource; period: string }[] = [
      { source: 'estimate', period },
    ];
    let status: PeriodStatus = 'estimate';
    if (ovh) {
      lines = await collectOvh(ovh, period, {
        nodes: platform.nodes.map(n => n.name),
        domains: platform.domains,
        nodeServices: options.nodeServices,
        cloudProjectId: options.cloudProjectId,
        now: options.now(),
      });
      status = statusOf(period, lines, now);
      replace.push({ source: 'ovh-bill', period });
      const billed = lines.some(
        l => l.source === 'ovh-bill' && l.category !== 'domain',
      );
      if (billed) {
        // Provisional consumption gives way to the invoice once the month is billed.
        lines = lines.filter(l => l.source === 'ovh-bill');
        for (const source of OVH_SOURCES) replace.push({ source, period });
      } else if (period === now) {
        // The running month's consumption is read afresh; a past month keeps
        // what was read while it ran, until its bill arrives.
        for (const source of OVH_SOURCES) replace.push({ source, period });
      }
    } else lines = estimateLines(period, platform.nodes);
    merge(await store.replaceLines(lines, replace));
    // A month with nothing to show (before the first bill) is not tracked.
    if (lines.length || period === now) {
      await store.setPeriodStatus(period, status, options.now().toISOString());
      statuses[period] = status;
    }
    all.push(...lines);
  }
  const manual = [...configured.lines, ...asked.lines];
  merge([await store.addManual(manual)]);
  all.push(...manual);
  return { periods: todo, lines: all, changes: [...changes.values()], statuses };
}
