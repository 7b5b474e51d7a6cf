import type { Knex } from 'knex';
import {
  CostLine,
  CostSource,
  fromMicro,
  PeriodStatus,
} from '@internal/plugin-uyoop-finops-common';
import { toMicro } from '@internal/plugin-uyoop-finops-common';
import { migrate } from './migrations';

export interface MonthlyRollupRow {
  period: string;
  source: CostSource;
  category: CostLine['category'];
  node: string;
  service: string;
  estimate: boolean;
  htMicro: number;
  vatMicro: number;
  ttcMicro: number;
  lines: number;
}

export interface AllocationRow {
  period: string;
  node: string;
  namespace: string;
  service: string;
  system: string | null;
  owner: string | null;
  share: number;
  method: string;
}

/** What one ingestion did to the stored lines of one source. */
export interface SourceChange {
  source: CostSource;
  added: number;
  replaced: number;
  removed: number;
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const n = (v: unknown) => Number(v ?? 0);

const rowOf = (l: CostLine) => ({
  period: l.period,
  date: l.date,
  source: l.source,
  external_id: l.externalId,
  category: l.category,
  node: l.node,
  service: l.service,
  description: l.description,
  ht_micro: toMicro(l.amountHT),
  vat_micro: toMicro(l.vat),
  ttc_micro: toMicro(l.amountTTC),
  vat_rate: l.vatRate,
  currency: l.currency,
  estimate: l.estimate,
  bill_id: l.billId,
});

const keyOf = (source: string, period: string, id: string) =>
  `${source}|${period}|${id}`;

/** Insert chunk: knex writes SQLite multi-row inserts as a compound SELECT, limited to 500 terms. */
const CHUNK = 400;

const LINE_COLUMNS = Object.keys(
  rowOf({
    period: '2000-01',
    date: '',
    source: 'manual',
    externalId: '',
    category: 'other',
    node: null,
    service: null,
    description: '',
    amountHT: 0,
    vatRate: 0,
    vat: 0,
    amountTTC: 0,
    currency: 'EUR',
    estimate: false,
    billId: null,
  }),
) as (keyof ReturnType<typeof rowOf>)[];

const INSERT_LINE = `INSERT INTO finops_cost_lines (${LINE_COLUMNS.join(
  ', ',
)}) VALUES (${LINE_COLUMNS.map(() => '?').join(', ')})`;

/** The part of a better-sqlite3 connection the store uses. */
interface SqliteConnection {
  prepare(sql: string): { run(...values: unknown[]): unknown };
}

/** One prepared INSERT per SQLite connection, reused by every ingestion. */
const preparedInserts = new WeakMap<
  object,
  { run(...values: unknown[]): unknown }
>();

/**
 * Inserts cost lines inside `tx`. On SQLite (the CLI's file, the backend's
 * default) one prepared INSERT runs per line on the transaction's own
 * connection, which spares knex building and SQLite parsing a statement of
 * 6,000 parameters per chunk; other databases get chunked multi-row inserts.
 */
async function insertLines(tx: Knex.Transaction, lines: CostLine[]) {
  if (!lines.length) return;
  if (tx.client.config?.client === 'better-sqlite3') {
    // Inside a knex transaction this is the transaction's connection.
    const conn = (await tx.client.acquireConnection()) as SqliteConnection;
    let insert = preparedInserts.get(conn);
    if (!insert) {
      insert = conn.prepare(INSERT_LINE);
      preparedInserts.set(conn, insert);
    }
    for (const l of lines) {
      const r = rowOf(l);
      insert.run(
        ...LINE_COLUMNS.map(c =>
          typeof r[c] === 'boolean' ? (r[c] ? 1 : 0) : r[c],
        ),
      );
    }
    return;
  }
  const rows = lines.map(rowOf);
  for (let i = 0; i < rows.length; i += CHUNK)
    await tx('finops_cost_lines').insert(rows.slice(i, i + CHUNK));
}

/**
 * The cost store, on whatever knex the caller gives: the backend's
 * coreServices.database, or a SQLite file for the CLI.
 */
export class CostStore {
  private constructor(readonly db: Knex) {}

  static async create(db: Knex): Promise<CostStore> {
    await migrate(db);
    return new CostStore(db);
  }

  /**
   * Replaces the lines of each (source, period) present in `lines` (and of
   * `replace`, even when empty): re-ingesting a period never duplicates and
   * drops what the source no longer reports. Lines of any other source, and
   * so manual entries, are left as they are. Rebuilds the monthly rollup of
   * the touched periods. One transaction. Returns, per source, the lines
   * added, replaced and removed.
   */
  async replaceLines(
    lines: CostLine[],
    replace: { source: CostSource; period: string }[] = [],
  ): Promise<SourceChange[]> {
    const keys = new Map<string, { source: CostSource; period: string }>();
    for (const k of [
      ...replace,
      ...lines.map(l => ({ source: l.source, period: l.period })),
    ])
      keys.set(`${k.source}|${k.period}`, k);
    const periods = [...new Set([...keys.values()].map(k => k.period))];
    const changes = new Map<CostSource, SourceChange>();
    const change = (source: CostSource) => {
      const c = changes.get(source) ?? {
        source,
        added: 0,
        replaced: 0,
        removed: 0,
      };
      changes.set(source, c);
      return c;
    };
    await this.db.transaction(async tx => {
      const before = new Set<string>();
      for (const k of keys.values()) {
        change(k.source);
        const ids = await tx('finops_cost_lines')
          .where(k)
          .select('external_id');
        for (const r of ids)
          before.add(keyOf(k.source, k.period, r.external_id));
        await tx('finops_cost_lines').where(k).delete();
      }
      const after = new Set<string>();
      for (const l of lines) {
        const key = keyOf(l.source, l.period, l.externalId);
        after.add(key);
        if (before.has(key)) change(l.source).replaced++;
        else change(l.source).added++;
      }
      for (const key of before)
        if (!after.has(key)) change(key.split('|')[0] as CostSource).removed++;
      await insertLines(tx, lines);
      await this.rebuildRollup(tx, periods);
    });
    return [...changes.values()];
  }

  /**
   * Adds manual entries and keeps every one already stored: an entry leaves
   * the store only through `removeManual`. The same entry imported again
   * (same content, so same id) is counted as replaced, not duplicated.
   */
  async addManual(lines: CostLine[]): Promise<SourceChange> {
    const change: SourceChange = {
      source: 'manual',
      added: 0,
      replaced: 0,
      removed: 0,
    };
    if (!lines.length) return change;
    const periods = [...new Set(lines.map(l => l.period))];
    await this.db.transaction(async tx => {
      const existing = new Set(
        (
          await tx('finops_cost_lines')
            .where({ source: 'manual' })
            .whereIn('period', periods)
            .select('period', 'external_id')
        ).map(r => `${r.period}|${r.external_id}`),
      );
      const fresh = new Map<string, CostLine>();
      for (const l of lines) {
        const key = `${l.period}|${l.externalId}`;
        if (existing.has(key)) change.replaced++;
        else if (!fresh.has(key)) fresh.set(key, l);
      }
      change.added = fresh.size;
      await insertLines(tx, [...fresh.values()]);
      await this.rebuildRollup(tx, periods);
    });
    return change;
  }

  /** Removes manual entries by id (as `manual list` shows them); returns those removed. */
  async removeManual(ids: string[]): Promise<CostLine[]> {
    const gone = (await this.lines({ source: 'manual' })).filter(l =>
      ids.includes(l.externalId),
    );
    if (!gone.length) return [];
    await this.db.transaction(async tx => {
      await tx('finops_cost_lines')
        .where({ source: 'manual' })
        .whereIn('external_id', ids)
        .delete();
      await this.rebuildRollup(tx, [...new Set(gone.map(l => l.period))]);
    });
    return gone;
  }

  async setPeriodStatus(
    period: string,
    status: PeriodStatus,
    at: string,
  ): Promise<void> {
    await this.db('finops_periods')
      .insert({ period, status, updated_at: at })
      .onConflict('period')
      .merge();
  }

  async periodStatuses(): Promise<Record<string, PeriodStatus>> {
    const rows = await this.db('finops_periods').select('period', 'status');
    return Object.fromEntries(rows.map(r => [r.period, r.status]));
  }

  /** The cluster's requests observed during a period (the last snapshot of it). */
  async saveClusterSnapshot(
    period: string,
    usage: unknown,
    takenAt: string,
  ): Promise<void> {
    await this.db('finops_cluster_snapshots')
      .insert({ period, taken_at: takenAt, usage: JSON.stringify(usage) })
      .onConflict('period')
      .merge();
  }

  async clusterSnapshot<T>(
    period: string,
  ): Promise<{ takenAt: string; usage: T } | undefined> {
    const row = await this.db('finops_cluster_snapshots')
      .where({ period })
      .first();
    return row
      ? { takenAt: row.taken_at, usage: JSON.parse(row.usage) }
      : undefined;
  }

  /** Replaces the stored gauges at once: a scrape sees the old set or the new one. */
  async saveMetricSamples(samples: MetricSample[], at: string) {
    await this.db.transaction(async tx => {
      await tx('finops_metric_samples').delete();
      const rows = samples.map(m => ({
        name: m.name,
        labels: JSON.stringify(m.labels),
        value: m.value,
        refreshed_at: at,
      }));
      for (let i = 0; i < rows.length; i += CHUNK)
        await tx('finops_metric_samples').insert(rows.slice(i, i + CHUNK));
    });
  }

  async metricSamples(): Promise<{
    samples: MetricSample[];
    refreshedAt: string | null;
  }> {
    const rows = await this.db('finops_metric_samples').orderBy('id');
    return {
      samples: rows.map(r => ({
        name: r.name,
        labels: JSON.parse(r.labels),
        value: n(r.value),
      })),
      refreshedAt: rows[0]?.refreshed_at ?? null,
    };
  }

  /** Deletes the lines of a source for periods (e.g. estimates once invoices exist). */
  async deleteLines(source: CostSource, periods: string[]): Promise<void> {
    await this.db.transaction(async tx => {
      await tx('finops_cost_lines')
        .where({ source })
        .whereIn('period', periods)
        .delete();
      await this.rebuildRollup(tx, periods);
    });
  }

  private async rebuildRollup(tx: Knex.Transaction, periods: string[]) {
    for (let i = 0; i < periods.length; i += 200) {
      const chunk = periods.slice(i, i + 200);
      await tx('finops_monthly').whereIn('period', chunk).delete();
      await tx.raw(
        `INSERT INTO finops_monthly (period, source, category, node, service, estimate, ht_micro, vat_micro, ttc_micro, lines)
         SELECT period, source, category, COALESCE(node, ''), COALESCE(service, ''), estimate,
                SUM(ht_micro), SUM(vat_micro), SUM(ttc_micro), COUNT(*)
         FROM finops_cost_lines WHERE period IN (${chunk
           .map(() => '?')
           .join(',')})
         GROUP BY period, source, category, COALESCE(node, ''), COALESCE(service, ''), estimate`,
        chunk,
      );
    }
  }

  async monthly(from: string, to: string): Promise<MonthlyRollupRow[]> {
    const rows = await this.db('finops_monthly')
      .whereBetween('period', [from, to])
      .orderBy('period');
    return rows.map(r => ({
      period: r.period,
      source: r.source,
      category: r.category,
      node: r.node,
      service: r.service,
      estimate: Boolean(r.estimate),
      htMicro: n(r.ht_micro),
      vatMicro: n(r.vat_micro),
      ttcMicro: n(r.ttc_micro),
      lines: n(r.lines),
    }));
  }

  async periods(): Promise<string[]> {
    const rows = await this.db('finops_monthly')
      .distinct('period')
      .orderBy('period');
    return rows.map(r => r.period);
  }

  async lines(
    filter: { period?: string; billId?: string; source?: CostSource } = {},
  ): Promise<CostLine[]> {
    const q = this.db('finops_cost_lines').orderBy([
      'period',
      'source',
      'external_id',
    ]);
    if (filter.period) q.where('period', filter.period);
    if (filter.billId) q.where('bill_id', filter.billId);
    if (filter.source) q.where('source', filter.source);
    return (await q).map(r => ({
      period: r.period,
      date: r.date,
      source: r.source,
      externalId: r.external_id,
      category: r.category,
      node: r.node,
      service: r.service,
      description: r.description,
      amountHT: fromMicro(n(r.ht_micro)),
      vatRate: n(r.vat_rate),
      vat: fromMicro(n(r.vat_micro)),
      amountTTC: fromMicro(n(r.ttc_micro)),
      currency: r.currency,
      estimate: Boolean(r.estimate),
      billId: r.bill_id,
    }));
  }

  async invoices(): Promise<
    {
      billId: string;
      period: string;
      htMicro: number;
      vatMicro: number;
      ttcMicro: number;
      lines: number;
    }[]
  > {
    const rows = await this.db('finops_cost_lines')
      .whereNotNull('bill_id')
      .select('bill_id')
      .min({ period: 'period' })
      .sum({ ht: 'ht_micro', vat: 'vat_micro', ttc: 'ttc_micro' })
      .count({ lines: '*' })
      .groupBy('bill_id')
      .orderBy('bill_id');
    return rows.map((r: any) => ({
      billId: r.bill_id,
      period: r.period,
      htMicro: n(r.ht),
      vatMicro: n(r.vat),
      ttcMicro: n(r.ttc),
      lines: n(r.lines),
    }));
  }

  async replaceAllocations(
    periods: string[],
    rows: AllocationRow[],
  ): Promise<void> {
    if (!periods.length) return;
    await this.db.transaction(async tx => {
      await tx('finops_allocations').whereIn('period', periods).delete();
      for (let i = 0; i < rows.length; i += 500)
        await tx('finops_allocations').insert(rows.slice(i, i + 500));
    });
  }

  async allocations(from: string, to: string): Promise<AllocationRow[]> {
    const rows = await this.db('finops_allocations').whereBetween('period', [
      from,
      to,
    ]);
    return rows.map(r => ({ ...r, share: n(r.share) }));
  }

  async recordIngestion(r: {
    startedAt: string;
    finishedAt: string;
    periods: string[];
    sources: string[];
    lines: number;
    status: 'ok' | 'failed';
    message?: string;
  }) {
    await this.db('finops_ingestions').insert({
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      periods: r.periods.join(',').slice(0, 255),
      sources: r.sources.join(',').slice(0, 255),
      lines: r.lines,
      status: r.status,
      message: r.message ?? null,
    });
  }

  async lastIngestion() {
    return this.db('finops_ingestions').orderBy('id', 'desc').first();
  }
}
