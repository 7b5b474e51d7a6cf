import {
  AllocationMethod,
  Budget,
  BudgetReport,
  BreakdownReport,
  compareCosts,
  CostLine,
  defaultBudgets,
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
  nextPeriod,
  PeriodStatus,
  projectLinear,
  round2,
  sovereignSummary,
  sovereignTargets,
  splitHt,
  Totals,
  toMicro,
  VAT_RATE_FR,
} from '@internal/plugin-uyoop-finops-common';
import { Platform, systemOf, systemsOf } from '@internal/platform';
import { currentPeriod } from './lines';
import type { OvhApi } from './ovh/client';
import { ovhForecastHT } from './ovh/source';
import type { CostStore, MonthlyRollupRow } from './store/store';

export interface ReportOptions {
  store: CostStore;
  platform: Platform;
  /** For OVH's own forecast of the running month. */
  ovh?: OvhApi;
  cloudProjectId?: string;
  budgets?: Budget[];
  /** The method a period shows before its first allocation. */
  defaultMethod: AllocationMethod;
  now: () => Date;
}

/** Where a cost that is on no node and no service rolls up, by category. */
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
 * The reports, read from the store: monthly, breakdown, legacy against
 * sovereign, forecast, budgets, entity costs and invoices.
 */
export class CostReports {
  private readonly budgets: Budget[];
  /** The System of costs on no node and no service, by category, from the catalog. */
  private readonly categorySystem: Record<string, string | null>;

  constructor(private readonly options: ReportOptions) {
    this.budgets = options.budgets ?? defaultBudgets;
    const { platform } = options;
    this.categorySystem = {
      domain: systemsOf(platform, 'Resource', 'dns-domain')[0] ?? null,
      storage:
        systemsOf(platform, 'Resource', 'bucket').find(s =>
          platform.buckets.some(
            b => b.system === s && b.objectLock !== 'none',
          ),
        ) ?? null,
      compute: platform.nodes[0]?.system ?? null,
    };
  }

  protected get usesEstimates() {
    return !this.options.ovh;
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
            system: s?.system ?? this.categorySystem[r.category] ?? null,
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
              system:
                systemOf(this.options.platform, r.node) ??
                this.categorySystem.compute,
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
            system: this.categorySystem[r.category] ?? null,
            owner: null,
            namespace: key,
          }),
          r.htMicro,
          r.vatMicro,
        );
      }
    }
    const methods = new Map(
      allocs.map(a => [a.period, a.method as AllocationMethod]),
    );
    return { out, estimate, methods };
  }

  /** Per month, per service, HT and TTC side by side (never added together). */
  async monthlyReport(from: string, to: string): Promise<MonthlyReport> {
    const { out, estimate, methods } = await this.costsBy(
      from,
      to,
      a => a.service,
    );
    const statuses = await this.options.store.periodStatuses();
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
        status:
          statuses[period] ??
          ((estimate.get(period) ? 'estimate' : 'provisional') as PeriodStatus),
        allocation: methods.get(period) ?? null,
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
        this.options.defaultMethod,
      idle: totals(m.get(IDLE) ?? { ht: 0, vat: 0 }),
      currency: 'EUR',
    };
  }

  /** Legacy SaaS against the sovereign platform: measured from invoices when there are, else the dossier's estimate. */
  async legacyReport(): Promise<LegacyReport> {
    const legacy = legacySummary();
    const targets = sovereignTargets(this.options.platform.nodes);
    const now = currentPeriod(this.options.now());
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
      for (const t of targets)
        if (t.node) byLine[t.id] = ttc(r => r.node === t.node);
      byLine.domains = ttc(r => r.category === 'domain');
      byLine['s3-buffer'] = ttc(r => r.category === 'storage');
      measured = { period: last, ttc: ttc(() => true) };
    }
    const sovereign = sovereignSummary(byLine, targets);
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
  async forecast(
    horizon = 3,
    { askOvh = true }: { askOvh?: boolean } = {},
  ): Promise<ForecastReport> {
    const now = currentPeriod(this.options.now());
    const report = await this.monthlyReport('0000-00', now);
    const history = report.months.map(m => ({
      period: m.period,
      value: m.total.ttc,
    }));
    const complete = history.filter(h => h.period < now);
    let ovhPoint: ForecastReport['ovh'] = null;
    if (this.options.ovh && askOvh) {
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
    period = currentPeriod(this.options.now()),
  ): Promise<BudgetReport> {
    const now = this.options.now();
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
    const to = currentPeriod(this.options.now());
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
