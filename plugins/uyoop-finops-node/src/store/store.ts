import type { Knex } from 'knex';
import {
  CostLine,
  CostSource,
  fromMicro,
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

const n = (v: unknown) => Number(v ?? 0);

/** Insert chunk: knex writes SQLite multi-row inserts as a compound SELECT, limited to 500 terms. */
const CHUNK = 400;

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
   * drops what the source no longer reports. Rebuilds the monthly rollup of
   * the touched periods. One transaction.
   */
  async replaceLines(
    lines: CostLine[],
    replace: { source: CostSource; period: string }[] = [],
  ): Promise<void> {
    const keys = new Map<string, { source: CostSource; period: string }>();
    for (const k of [
      ...replace,
      ...lines.map(l => ({ source: l.source, period: l.period })),
    ])
      keys.set(`${k.source}|${k.period}`, k);
    const periods = [...new Set([...keys.values()].map(k => k.period))];
    await this.db.transaction(async tx => {
      for (const k of keys.values())
        await tx('finops_cost_lines').where(k).delete();
      const rows = lines.map(l => ({
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
      }));
      for (let i = 0; i < rows.length; i += CHUNK)
        await tx('finops_cost_lines').insert(rows.slice(i, i + CHUNK));
      await this.rebuildRollup(tx, periods);
    });
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
