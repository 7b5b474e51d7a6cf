import { Gauge, Registry } from 'prom-client';
import type { FinopsEngine } from '@internal/plugin-uyoop-finops-node';
import { currentPeriod } from '@internal/plugin-uyoop-finops-node';

/**
 * Prometheus gauges, refreshed from the engine at every scrape. Amounts carry
 * their `basis` label (HT or TTC): a query never adds the two.
 */
export function createFinopsMetrics(
  engine: FinopsEngine,
  now: () => Date = () => new Date(),
) {
  const registry = new Registry();
  const g = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const cost = g(
    'uyoop_finops_cost_month_eur',
    'Cost of the running month per service, EUR',
    ['service', 'system', 'basis'],
  );
  const total = g(
    'uyoop_finops_cost_month_total_eur',
    'Total cost of the running month, EUR',
    ['basis'],
  );
  const idle = g(
    'uyoop_finops_idle_cost_month_eur',
    'Idle cost (capacity minus requests) of the running month, EUR',
    ['basis'],
  );
  const limit = g(
    'uyoop_finops_budget_limit_eur',
    'Monthly budget limit, EUR',
    ['budget', 'basis'],
  );
  const spent = g(
    'uyoop_finops_budget_spent_eur',
    'Spent against the budget this month, EUR',
    ['budget', 'basis'],
  );
  const projected = g(
    'uyoop_finops_budget_projected_eur',
    'Projected month-end spend, EUR',
    ['budget', 'basis'],
  );
  const ratio = g(
    'uyoop_finops_budget_ratio',
    'Spent / limit of the budget (1 = exhausted)',
    ['budget'],
  );
  const legacy = g(
    'uyoop_finops_legacy_month_eur',
    'Legacy SaaS cost a month (dossier), EUR',
    ['basis'],
  );
  const sovereign = g(
    'uyoop_finops_sovereign_month_eur',
    'Sovereign platform cost a month, EUR',
    ['scope', 'basis'],
  );
  const estimate = g(
    'uyoop_finops_estimate',
    '1 when the figures are the dossier estimates (no OVH credentials)',
    [],
  );
  const forecast = g(
    'uyoop_finops_forecast_month_eur',
    'Linear forecast of the next month, EUR',
    ['basis'],
  );

  async function refresh() {
    const period = currentPeriod(now());
    registry.resetMetrics();
    const breakdown = await engine.breakdown(period, 'service');
    for (const r of breakdown.rows) {
      cost.set({ service: r.key, system: r.system ?? '', basis: 'HT' }, r.ht);
      cost.set({ service: r.key, system: r.system ?? '', basis: 'TTC' }, r.ttc);
    }
    idle.set({ basis: 'HT' }, breakdown.idle.ht);
    idle.set({ basis: 'TTC' }, breakdown.idle.ttc);
    const month = (await engine.monthlyReport(period, period)).months[0];
    total.set({ basis: 'HT' }, month?.total.ht ?? 0);
    total.set({ basis: 'TTC' }, month?.total.ttc ?? 0);
    for (const b of (await engine.budgetReport(period)).budgets) {
      limit.set({ budget: b.budget.name, basis: b.basis }, b.budget.monthly);
      spent.set({ budget: b.budget.name, basis: b.basis }, b.spent);
      projected.set({ budget: b.budget.name, basis: b.basis }, b.projected);
      ratio.set({ budget: b.budget.name }, b.ratio);
    }
    const l = await engine.legacyReport();
    legacy.set({ basis: 'HT' }, l.legacy.monthlyHT);
    legacy.set({ basis: 'TTC' }, l.legacy.monthlyTTC);
    sovereign.set({ scope: 'fixed', basis: 'TTC' }, l.sovereign.fixedTTC);
    sovereign.set(
      { scope: 'optimised', basis: 'TTC' },
      l.sovereign.optimisedTTC,
    );
    sovereign.set(
      { scope: 'full-package', basis: 'TTC' },
      l.sovereign.fullPackageTTC,
    );
    estimate.set(engine.usesEstimates ? 1 : 0);
    const f = await engine.forecast(1);
    if (f.linear[0]) forecast.set({ basis: 'TTC' }, f.linear[0].value);
  }

  return {
    registry,
    async render(): Promise<{ contentType: string; body: string }> {
      await refresh();
      return {
        contentType: registry.contentType,
        body: await registry.metrics(),
      };
    },
  };
}
