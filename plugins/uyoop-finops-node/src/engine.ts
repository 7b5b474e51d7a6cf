import type { KubeConfig } from '@kubernetes/client-node';
import {
  allocateNode,
  AllocationWeights,
  Budget,
  BudgetReport,
  BreakdownReport,
  compareCosts,
  CostLine,
  CostSource,
  defaultBudgets,
  defaultWeights,
  EntityCost,
  evaluateBudget,
  ForecastReport,
  fromMicro,
  hoursInPeriod,
  IDLE,
  InvoiceSummary,
  legacySummary,
  LegacyReport,
  MonthlyReport,
  MonthlyRow,
  NodeAllocation,
  nextPeriod,
  periodRange,
  projectLinear,
  rollUp,
  round2,
  sovereignSummary,
  splitHt,
  Totals,
  toMicro,
  VAT_RATE_FR,
} from '@internal/plugin-uyoop-finops-common';
import type { Platform } from '@internal/platform';
import { readClusterUsage } from './cluster';
import { estimateLines } from './estimate';
import { currentPeriod, isPeriod } from './lines';
import { manualLines, readManualEntries } from './manual';
import type { OvhApi } from './ovh/client';
import { collectOvh, ovhForecastHT } from './ovh/source';
import { AllocationRow, CostStore, MonthlyRollupRow } from './store/store';

export interface EngineLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface FinopsEngineOptions {
  store: CostStore;
  platform: Platform;
  /** The OVH API; without it the dossier's target prices are used, labelled estimate. */
  ovh?: OvhApi;
  nodeServices?: Record<string, string>;
  cloudProjectId?: string;
  /** Files of manual entries (CSV or YAML), imported at every ingestion. */
  manualFiles?: string[];
  /** The cluster to read requests from; without it each node is split evenly among the namespaces the catalog puts on it. */
  kubeConfig?: KubeConfig;
  weights?: AllocationWeights;
  budgets?: Budget[];
  logger?: EngineLogger;
  now?: () => Date;
}

export interface IngestResult {
  periods: string[];
  sources: CostSource[];
  lines: number;
  estimate: boolean;
  allocation: BreakdownReport['method'];
}

/** Where unallocated (node-less, service-less) lines roll up, by category. */
const CATEGORY_SYSTEM: Record<string, string> = {
  domain: 'platform',
  storage: 'backup-dr',
  compute: 'platform',
};
const CATEGORY_KEY: Record<string, string> = {
  domain: 'domains',
  storage: 'storage',
  saas: 'saas',
  'one-off': 'one-off',
  other: 'other',
  compute: 'compute',
};

interface Acc {
  ht: number;
  vat: number;
}
const add = (m: Map<string, Acc>, key: string, ht: number, vat: number) => {
  const a = m.get(key) ?? { ht: 0, vat: 0 };
  a.ht += ht;
  a.vat += vat;
  m.set(key, a);
};
/** Rounds HT and VAT to cents, and TTC as their sum, so that HT + VAT = TTC on every row shown. */
const totals = (a: Acc): Totals => {
  const ht = round2(fromMicro(a.ht));
  const vat = round2(fromMicro(a.vat));
  return { ht, vat, ttc: round2(ht + vat) };
};

/**
 * The FinOps engine: ingestion from every source into the store, allocation,
 * and the reports. The backend and the CLI are thin callers of it.
 */
export class FinopsEngine {
  private readonly now: () => Date;
  private readonly budgets: Budget[];

  constructor(private readonly options: FinopsEngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.budgets = options.budgets ?? defaultBudgets;
  }

  get store() {
    return this.options.store;
  }

  get usesEstimates() {
    return !this.options.ovh;
  }

  /** Periods to ingest by default: from the first estimate month (or the current one) to now. */
  defaultPeriods(): string[] {
    const now = currentPeriod(this.now());
    return this.options.ovh
      ? [now]
      : periodRange(now < '2026-02' ? now : '2026-02', now);
  }

  async ingest(
    periods: string[] = this.defaultPeriods(),
  ): Promise<IngestResult> {
    for (const p of periods)
      if (!isPeriod(p)) throw new Error(`period must be YYYY-MM, got "${p}"`);
    const startedAt = this.now().toISOString();
    const sources = new Set<CostSource>();
    let count = 0;
    // The audit record of this ingestion, whether it succeeds or fails.
    const record = (outcome: { status: 'ok' | 'failed'; message?: string }) =>
      this.options.store.recordIngestion({
        startedAt,
        finishedAt: this.now().toISOString(),
        periods,
        sources: [...sources],
        lines: count,
        ...outcome,
      });
    try {
      const manual = [];
      for (const f of this.options.manualFiles ?? [])
        manual.push(...manualLines(await readManualEntries(f)));
      for (const period of periods) {
        const lines: CostLine[] = [];
        const replace: { source: CostSource; period: string }[] = [
          { source: 'manual', period },
        ];
        if (this.options.ovh) {
          lines.push(
            ...(await collectOvh(this.options.ovh, period, {
              nodes: this.options.platform.nodes.map(n => n.name),
              domains: this.options.platform.domains,
              nodeServices: this.options.nodeServices,
              cloudProjectId: this.options.cloudProjectId,
              now: this.now(),
            })),
          );
          replace.push(
            { source: 'ovh-bill', period },
            { source: 'ovh-consumption', period },
            { source: 'ovh-cloud', period },
            { source: 'estimate', period },
          );
          // Provisional consumption gives way to the invoice once the month is billed.
          if (
            lines.some(l => l.source === 'ovh-bill' && l.category !== 'domain')
          )
            for (let i = lines.length - 1; i >= 0; i--)
              if (lines[i].source !== 'ovh-bill') lines.splice(i, 1);
        } else {
          lines.push(...estimateLines(period, this.options.platform.nodes));
          replace.push({ source: 'estimate', period });
        }
        lines.push(...manual.filter(m => m.period === period));
        for (const l of lines) sources.add(l.source);
        await this.options.store.replaceLines(lines, replace);
        count += lines.length;
      }
      const method = await this.allocate(periods);
      await record({ status: 'ok' });
      this.options.logger?.info(
        `finops: ingested ${count} cost lines for ${periods.join(', ')} (${
          [...sources].join(', ') || 'no source'
        }; allocation ${method})`,
      );
      return {
        periods,
        sources: [...sources],
        lines: count,
        estimate: !this.options.ovh,
        allocation: method,
      };
    } catch (e) {
      await record({ status: 'failed', message: (e as Error).message });
      throw e;
    }
  }

  /** Node allocations now: from the cluster's requests, or the catalog's even split. */
  async nodeAllocations(period = currentPeriod(this.now())): Promise<{
    method: BreakdownReport['method'];
    allocations: NodeAllocation[];
  }> {
    const { platform } = this.options;
    const unit = 1_000_000;
    if (this.options.kubeConfig) {
      const usage = await readClusterUsage(this.options.kubeConfig);
      const allocations = usage.nodes
        .filter(n => platform.nodes.some(p => p.name === n.name))
        .map(n =>
          allocateNode({
            node: n,
            costMicro: unit,
            hours: hoursInPeriod(period),
            requests: usage.requests[n.name] ?? [],
            weights: this.options.weights ?? defaultWeights,
          }),
        );
      return { method: 'cluster-requests', allocations };
    }
    const allocations = platform.nodes.map(n => {
      const namespaces = [
        ...new Set(
          platform.services
            .filter(s => s.nodes.includes(n.name))
            .map(s => s.namespace),
        ),
      ].sort();
      const each = namespaces.length ? Math.floor(unit / namespaces.length) : 0;
      return {
        node: n.name,
        hours: hoursInPeriod(period),
        costMicro: unit,
        pricePerVcpuHour: 0,
        pricePerGiBHour: 0,
        namespaces: namespaces.map(ns => ({
          namespace: ns,
          cpu: 0,
          memoryGiB: 0,
          share: 1 / namespaces.length,
          costMicro: each,
        })),
        idle: {
          cpu: 0,
          memoryGiB: 0,
          share: namespaces.length ? 0 : 1,
          costMicro: unit - each * namespaces.length,
        },
        overcommitted: false,
      } as NodeAllocation;
    });
    return { method: 'catalog-even-split', allocations };
  }

  private async allocate(
    periods: string[],
  ): Promise<BreakdownReport['method']> {
    const { method, allocations } = await this.nodeAllocations(
      periods[periods.length - 1],
    );
    const rows = rollUp(allocations, this.options.platform.services);
    const all: AllocationRow[] = [];
    for (const period of periods)
      for (const r of rows) {
        const service =
          r.service ??
          (r.namespace === IDLE ? IDLE : `namespace:${r.namespace}`);
        const existing = all.find(
          x =>
            x.period === period &&
            x.node === r.node &&
            x.namespace === r.namespace &&
            x.service === service,
        );
        if (existing) existing.share += r.share;
        else
          all.push({
            period,
            node: r.node,
            namespace: r.namespace,
            service,
            system: r.system,
            owner: r.owner,
            share: r.share,
            method,
          });
      }
    await this.options.store.replaceAllocations(periods, all);
    return method;
  }

  /** Rows that count for a period: estimates only where no OVH data exists. */
  private effective(rows: MonthlyRollupRow[]): MonthlyRollupRow[] {
    const real = new Set(
      rows.filter(r => r.source.startsWith('ovh-')).map(r => r.period),
    );
    return rows.filter(r => !(r.source === 'estimate' && real.has(r.period)));
  }

  private async costsBy(
    from: string,
    to: string,
    keyOf: (a: {
      service: string;
      system: string | null;
      owner: string | null;
      namespace: string;
    }) => string,
  ) {
    const rows = this.effective(await this.options.store.monthly(from, to));
    const allocs = await this.options.store.allocations(from, to);
    const services = new Map(
      this.options.platform.services.map(s => [s.name, s]),
    );
    const out = new Map<string, Map<string, Acc>>();
    const estimate = new Map<string, boolean>();
    for (const r of rows) {
      const m = out.get(r.period) ?? new Map<string, Acc>();
      out.set(r.period, m);
      if (r.estimate) estimate.set(r.period, true);
      if (r.service) {
        const s = services.get(r.service);
        add(
          m,
          keyOf({
            service: r.service,
            system: s?.system ?? CATEGORY_SYSTEM[r.category] ?? null,
            owner: s?.owner ?? null,
            namespace: s?.namespace ?? r.service,
          }),
          r.htMicro,
          r.vatMicro,
        );
      } else if (r.node) {
        const shares = allocs.filter(
          a => a.period === r.period && a.node === r.node,
        );
        if (!shares.length)
          add(
            m,
            keyOf({
              service: `node:${r.node}`,
              system: 'platform',
              owner: null,
              namespace: IDLE,
            }),
            r.htMicro,
            r.vatMicro,
          );
        for (const a of shares)
          add(m, keyOf(a), r.htMicro * a.share, r.vatMicro * a.share);
      } else {
        const key = CATEGORY_KEY[r.category] ?? r.category;
        add(
          m,
          keyOf({
            service: key,
            system: CATEGORY_SYSTEM[r.category] ?? null,
            owner: null,
            namespace: key,
          }),
          r.htMicro,
          r.vatMicro,
        );
      }
    }
    return { out, estimate };
  }

  /** Per month, per service, HT and TTC side by side (never added together). */
  async monthlyReport(from: string, to: string): Promise<MonthlyReport> {
    const { out, estimate } = await this.costsBy(from, to, a => a.service);
    const months: MonthlyRow[] = [...out.keys()].sort().map(period => {
      const m = out.get(period)!;
      const byService: Record<string, Totals> = {};
      const sum: Acc = { ht: 0, vat: 0 };
      for (const [k, v] of [...m.entries()].sort()) {
        byService[k] = totals(v);
        sum.ht += v.ht;
        sum.vat += v.vat;
      }
      return {
        period,
        byService,
        total: totals(sum),
        estimate: estimate.get(period) ?? false,
      };
    });
    return { currency: 'EUR', months };
  }

  /** One period by service, System or namespace, with idle cost on its own row. */
  async breakdown(
    period: string,
    by: BreakdownReport['by'],
  ): Promise<BreakdownReport> {
    const keyOf = (a: {
      service: string;
      system: string | null;
      owner: string | null;
      namespace: string;
    }) =>
      a.service === IDLE
        ? IDLE
        : by === 'service'
        ? a.service
        : by === 'system'
        ? a.system ?? '(unassigned)'
        : a.namespace;
    const { out } = await this.costsBy(period, period, keyOf);
    const m = out.get(period) ?? new Map<string, Acc>();
    const allTtc = [...m.values()].reduce((s, v) => s + v.ht + v.vat, 0);
    const services = new Map(
      this.options.platform.services.map(s => [s.name, s.system]),
    );
    const rows = [...m.entries()]
      .filter(([k]) => k !== IDLE)
      .map(([key, v]) => {
        const t = totals(v);
        return {
          key,
          system:
            by === 'service'
              ? services.get(key) ?? null
              : by === 'system'
              ? key
              : null,
          ht: t.ht,
          ttc: t.ttc,
          share: allTtc
            ? Math.round(((v.ht + v.vat) / allTtc) * 10000) / 10000
            : 0,
        };
      })
      .sort((a, b) => b.ttc - a.ttc || a.key.localeCompare(b.key));
    const allocs = await this.options.store.allocations(period, period);
    return {
      period,
      by,
      rows,
      method:
        (allocs[0]?.method as BreakdownReport['method']) ??
        (this.options.kubeConfig ? 'cluster-requests' : 'catalog-even-split'),
      idle: totals(m.get(IDLE) ?? { ht: 0, vat: 0 }),
      currency: 'EUR',
    };
  }

  /** Legacy SaaS against the sovereign platform: measured from invoices when there are, else the dossier's estimate. */
  async legacyReport(): Promise<LegacyReport> {
    const legacy = legacySummary();
    const now = currentPeriod(this.now());
    const rows = await this.options.store.monthly('0000-00', now);
    const real = rows.filter(
      r => r.source.startsWith('ovh-') && r.period < now,
    );
    const last = real
      .map(r => r.period)
      .sort()
      .pop();
    let measured: LegacyReport['measured'] = null;
    const byLine: Partial<Record<string, number>> = {};
    if (last) {
      const ttc = (f: (r: MonthlyRollupRow) => boolean) =>
        round2(
          fromMicro(
            real
              .filter(r => r.period === last && f(r))
              .reduce((s, r) => s + r.ttcMicro, 0),
          ),
        );
      byLine['vps-3'] = ttc(r => r.node === 'core-prod');
      byLine['vps-2'] = ttc(r => r.node === 'ai-lab');
      byLine.domains = ttc(r => r.category === 'domain');
      byLine['s3-buffer'] = ttc(r => r.category === 'storage');
      measured = { period: last, ttc: ttc(() => true) };
    }
    const sovereign = sovereignSummary(byLine);
    const oneOff = (await this.options.store.lines({ source: 'manual' }))
      .filter(l => l.category === 'one-off')
      .reduce((s, l) => s + toMicro(l.amountTTC), 0);
    return {
      legacy,
      sovereign,
      optimised: compareCosts(
        legacy.monthlyTTC,
        sovereign.optimisedTTC,
        fromMicro(oneOff),
      ),
      fullPackage: compareCosts(
        legacy.monthlyTTC,
        sovereign.fullPackageTTC,
        fromMicro(oneOff),
      ),
      measured,
      estimate: !last,
    };
  }

  /** Monthly TTC trend, a linear projection, and OVH's forecast of the running month. */
  async forecast(horizon = 3): Promise<ForecastReport> {
    const now = currentPeriod(this.now());
    const report = await this.monthlyReport('0000-00', now);
    const history = report.months.map(m => ({
      period: m.period,
      value: m.total.ttc,
    }));
    const complete = history.filter(h => h.period < now);
    let ovhPoint: ForecastReport['ovh'] = null;
    if (this.options.ovh) {
      const payg = splitHt(
        toMicro(
          await ovhForecastHT(this.options.ovh, this.options.cloudProjectId),
        ),
        VAT_RATE_FR,
      ).ttcMicro;
      const lastMonth = report.months.find(
        m => m.period === nextPeriod(now, -1),
      );
      ovhPoint = {
        period: now,
        value: round2((lastMonth?.total.ttc ?? 0) + fromMicro(payg)),
      };
    }
    return {
      basis: 'TTC',
      history,
      linear: projectLinear(complete.length ? complete : history, horizon),
      ovh: ovhPoint,
    };
  }

  /** Budgets of the running month (TTC), with the month-end projection. */
  async budgetReport(
    period = currentPeriod(this.now()),
  ): Promise<BudgetReport> {
    const now = this.now();
    const running = period === currentPeriod(now);
    const elapsed = running
      ? (now.getUTCDate() - 1 + now.getUTCHours() / 24) /
        (hoursInPeriod(period) / 24)
      : 1;
    const bySystem = await this.costsBy(
      period,
      period,
      a => a.system ?? '(unassigned)',
    );
    const byOwner = await this.costsBy(
      period,
      period,
      a => a.owner ?? '(unassigned)',
    );
    const sum = (m: Map<string, Acc> | undefined, key?: string): Totals => {
      const entries = !m
        ? []
        : key === undefined
        ? [...m.values()]
        : [m.get(key) ?? { ht: 0, vat: 0 }];
      return totals(
        entries.reduce((s, v) => ({ ht: s.ht + v.ht, vat: s.vat + v.vat }), {
          ht: 0,
          vat: 0,
        }),
      );
    };
    const budgets = this.budgets.map(b => {
      const m =
        b.scope.type === 'group'
          ? byOwner.out.get(period)
          : bySystem.out.get(period);
      const t = sum(m, b.scope.type === 'all' ? undefined : b.scope.name);
      const spent = b.basis === 'HT' ? t.ht : t.ttc;
      // Estimates are monthly figures already: a running month of estimates is not a burn rate.
      return evaluateBudget(
        b,
        period,
        { amount: spent, basis: b.basis },
        this.usesEstimates ? 1 : Math.max(elapsed, 1 / 31),
      );
    });
    return { period, budgets };
  }

  /** The monthly cost of a node or a service, both bases, month by month. */
  async entityCost(
    kind: 'node' | 'service',
    name: string,
    months = 12,
  ): Promise<EntityCost> {
    const to = currentPeriod(this.now());
    const from = nextPeriod(to, -(months - 1));
    if (kind === 'node') {
      const rows = this.effective(
        await this.options.store.monthly(from, to),
      ).filter(r => r.node === name);
      const per = new Map<string, Acc>();
      for (const r of rows) add(per, r.period, r.htMicro, r.vatMicro);
      return {
        entity: name,
        kind,
        basis: 'TTC',
        months: [...per.entries()]
          .sort()
          .map(([period, a]) => ({ period, ...pick(totals(a)) })),
        estimate: rows.some(r => r.estimate),
      };
    }
    const report = await this.monthlyReport(from, to);
    return {
      entity: name,
      kind,
      basis: 'TTC',
      months: report.months
        .filter(m => m.byService[name])
        .map(m => ({ period: m.period, ...pick(m.byService[name]) })),
      estimate: report.months.some(m => m.estimate),
    };
  }

  async invoices(): Promise<InvoiceSummary[]> {
    return (await this.options.store.invoices()).map(i => ({
      billId: i.billId,
      period: i.period,
      ht: round2(fromMicro(i.htMicro)),
      vat: round2(fromMicro(i.vatMicro)),
      ttc: round2(fromMicro(i.ttcMicro)),
      lines: i.lines,
    }));
  }

  async invoiceDetails(billId: string): Promise<CostLine[]> {
    return this.options.store.lines({ billId });
  }
}

const pick = (t: Totals) => ({ ht: t.ht, ttc: t.ttc });
