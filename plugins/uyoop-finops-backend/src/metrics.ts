import { Gauge, Registry } from 'prom-client';
import type {
  CostStore,
  FinopsEngine,
  MetricSample,
} from '@internal/plugin-uyoop-finops-node';
import { currentPeriod } from '@internal/plugin-uyoop-finops-node';

/**
 * The FinOps gauges. Amounts carry their `basis` label (HT or TTC): a query
 * never adds the two.
 */
const GAUGES: { name: string; help: string; labelNames: string[] }[] = [
  {
    name: 'uyoop_finops_cost_month_eur',
    help: 'Cost of the running month per service, EUR',
    labelNames: ['service', 'system', 'basis'],
  },
  {
    name: 'uyoop_finops_cost_month_total_eur',
    help: 'Total cost of the running month, EUR',
    labelNames: ['basis'],
  },
  {
    name: 'uyoop_finops_idle_cost_month_eur',
    help: 'Idle cost (capacity minus requests) of the running month, EUR',
    labelNames: ['basis'],
  },
  {
    name: 'uyoop_finops_budget_limit_eur',
    help: 'Monthly budget limit, EUR',
    labelNames: ['budget', 'basis'],
  },
  {
    name: 'uyoop_finops_budget_spent_eur',
    help: 'Spent against the budget this month, EUR',
    labelNames: ['budget', 'basis'],
  },
  {
    name: 'uyoop_finops_budget_projected_eur',
    help: 'Projected month-end spend, EUR',
    labelNames: ['budget', 'basis'],
  },
  {
    name: 'uyoop_finops_budget_ratio',
    help: 'Spent / limit of the budget (1 = exhausted)',
    labelNames: ['budget'],
  },
  {
    name: 'uyoop_finops_legacy_month_eur',
    help: 'Legacy SaaS cost a month (dossier), EUR',
    labelNames: ['basis'],
  },
  {
    name: 'uyoop_finops_sovereign_month_eur',
    help: 'Sovereign platform cost a month, EUR',
    labelNames: ['scope', 'basis'],
  },
  {
    name: 'uyoop_finops_estimate',
    help: '1 when the figures are estimates (no OVH credentials)',
    labelNames: [],
  },
  {
    name: 'uyoop_finops_forecast_month_eur',
    help: 'Linear forecast of the next month, EUR',
    labelNames: ['basis'],
  },
  {
    name: 'uyoop_finops_metrics_refreshed_timestamp_seconds',
    help: 'When the scheduled task last computed these gauges (Unix time)',
    labelNames: [],
  },
];

/**
 * Computes every gauge from the store (the linear forecast only: no OVH
 * call) and saves them; the scheduled task runs it after each ingestion.
 */
export async function refreshFinopsMetrics(
  engine: FinopsEngine,
  store: CostStore,
  now: () => Date = () => new Date(),
): Promise<MetricSample[]> {
  const period = currentPeriod(now());
  const samples: MetricSample[] = [];
  const set = (
    name: string,
    labels: Record<string, string>,
    value: number,
  ) => samples.push({ name, labels, value });
  const breakdown = await engine.breakdown(period, 'service');
  for (const r of breakdown.rows) {
    const system = r.system ?? '';
    set('uyoop_finops_cost_month_eur', { service: r.key, system, basis: 'HT' }, r.ht);
    set('uyoop_finops_cost_month_eur', { service: r.key, system, basis: 'TTC' }, r.ttc);
  }
  set('uyoop_finops_idle_cost_month_eur', { basis: 'HT' }, breakdown.idle.ht);
  set('uyoop_finops_idle_cost_month_eur', { basis: 'TTC' }, breakdown.idle.ttc);
  const month = (await engine.monthlyReport(period, period)).months[0];
  set('uyoop_finops_cost_month_total_eur', { basis: 'HT' }, month?.total.ht ?? 0);
  set('uyoop_finops_cost_month_total_eur', { basis: 'TTC' }, month?.total.ttc ?? 0);
  for (const b of (await engine.budgetReport(period)).budgets) {
    const labels = { budget: b.budget.name, basis: b.basis };
    set('uyoop_finops_budget_limit_eur', labels, b.budget.monthly);
    set('uyoop_finops_budget_spent_eur', labels, b.spent);
    set('uyoop_finops_budget_projected_eur', labels, b.projected);
    set('uyoop_finops_budget_ratio', { budget: b.budget.name }, b.ratio);
  }
  const l = await engine.legacyReport();
  set('uyoop_finops_legacy_month_eur', { basis: 'HT' }, l.legacy.monthlyHT);
  set('uyoop_finops_legacy_month_eur', { basis: 'TTC' }, l.legacy.monthlyTTC);
  const sovereign = 'uyoop_finops_sovereign_month_eur';
  set(sovereign, { scope: 'fixed', basis: 'TTC' }, l.sovereign.fixedTTC);
  set(sovereign, { scope: 'optimised', basis: 'TTC' }, l.sovereign.optimisedTTC);
  set(sovereign, { scope: 'full-package', basis: 'TTC' }, l.sovereign.fullPackageTTC);
  set('uyoop_finops_estimate', {}, engine.usesEstimates ? 1 : 0);
  const f = await engine.forecast(1, { askOvh: false });
  if (f.linear[0])
    set('uyoop_finops_forecast_month_eur', { basis: 'TTC' }, f.linear[0].value);
  set(
    'uyoop_finops_metrics_refreshed_timestamp_seconds',
    {},
    Math.floor(now().getTime() / 1000),
  );
  await store.saveMetricSamples(samples, now().toISOString());
  return samples;
}

/** The exposition of the stored gauges: a scrape reads the store and computes nothing. */
export async function renderFinopsMetrics(
  store: CostStore,
): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauges = new Map(
    GAUGES.map(g => [g.name, new Gauge({ ...g, registers: [registry] })]),
  );
  const { samples } = await store.metricSamples();
  for (const s of samples) gauges.get(s.name)?.set(s.labels, s.value);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
