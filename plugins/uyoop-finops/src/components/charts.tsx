import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type {
  BudgetEvaluation,
  ForecastReport,
  LegacyReport,
  MonthlyReport,
} from '@internal/plugin-uyoop-finops-common';

const palette = [
  '#1b998b',
  '#2d3047',
  '#e84855',
  '#f9dc5c',
  '#3185fc',
  '#8e6c88',
  '#ff9b71',
  '#5c946e',
  '#a4036f',
  '#4e8098',
  '#c6ca53',
  '#7d5ba6',
];
const W = 520;
const H = 280;
const eur = (v: number) => `${v.toFixed(2)} €`;

/** Monthly costs TTC stacked by service (the ten largest, the rest as "others"). */
export const MonthlyStackedChart = ({ report }: { report: MonthlyReport }) => {
  const totals = new Map<string, number>();
  for (const m of report.months)
    for (const [k, t] of Object.entries(m.byService))
      totals.set(k, (totals.get(k) ?? 0) + t.ttc);
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k]) => k);
  const data = report.months.map(m => {
    const row: Record<string, number | string> = { period: m.period };
    let others = 0;
    for (const [k, t] of Object.entries(m.byService)) {
      if (top.includes(k)) row[k] = t.ttc;
      else others += t.ttc;
    }
    if (others) row.others = Math.round(others * 100) / 100;
    return row;
  });
  const keys = [...top, ...(data.some(d => d.others) ? ['others'] : [])];
  return (
    <BarChart
      width={W}
      height={H + 60}
      data={data}
      role="img"
      aria-label="monthly costs by service, EUR TTC"
    >
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="period" />
      <YAxis unit=" €" />
      <Tooltip formatter={(v: unknown) => eur(Number(v))} />
      <Legend />
      {keys.map((k, i) => (
        <Bar
          key={k}
          dataKey={k}
          stackId="ttc"
          fill={palette[i % palette.length]}
          isAnimationActive={false}
        />
      ))}
    </BarChart>
  );
};

/** Legacy SaaS against the sovereign platform, TTC a month. */
export const LegacyChart = ({ report }: { report: LegacyReport }) => {
  const data = [
    { name: 'Legacy SaaS (2025)', ttc: report.legacy.monthlyTTC },
    { name: 'Sovereign fixed', ttc: report.sovereign.fixedTTC },
    { name: 'Sovereign optimised', ttc: report.sovereign.optimisedTTC },
    { name: 'Sovereign + AI node', ttc: report.sovereign.fullPackageTTC },
  ];
  return (
    <BarChart
      width={W}
      height={H}
      data={data}
      margin={{ top: 24, right: 8, left: 8, bottom: 8 }}
      role="img"
      aria-label="legacy against sovereign, EUR TTC a month"
    >
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="name" />
      <YAxis unit=" €" />
      <Tooltip formatter={(v: unknown) => eur(Number(v))} />
      <Bar
        dataKey="ttc"
        name="EUR TTC a month"
        fill="#1b998b"
        isAnimationActive={false}
        label={{
          position: 'top',
          formatter: (v: unknown) => Number(v).toFixed(2),
        }}
      />
    </BarChart>
  );
};

/** Budget burn: spent and projected against the limit. */
export const BudgetChart = ({ budgets }: { budgets: BudgetEvaluation[] }) => (
  <BarChart
    width={W}
    height={H}
    layout="vertical"
    data={budgets.map(b => ({
      name: b.budget.name,
      spent: b.spent,
      projected: Math.max(0, b.projected - b.spent),
      limit: b.budget.monthly,
    }))}
    role="img"
    aria-label="budget burn"
  >
    <CartesianGrid strokeDasharray="3 3" />
    <XAxis type="number" unit=" €" />
    <YAxis type="category" dataKey="name" width={220} />
    <Tooltip formatter={(v: unknown) => eur(Number(v))} />
    <Legend />
    <Bar dataKey="spent" stackId="b" fill="#1b998b" isAnimationActive={false} />
    <Bar
      dataKey="projected"
      stackId="b"
      fill="#f9dc5c"
      isAnimationActive={false}
    />
    <Bar dataKey="limit" fill="#e84855" isAnimationActive={false} />
  </BarChart>
);

/** Actual monthly TTC, the linear projection and OVH's forecast. */
export const ForecastChart = ({ report }: { report: ForecastReport }) => {
  const rows = new Map<string, Record<string, number | string>>();
  const put = (period: string, key: string, value: number) =>
    rows.set(period, { ...(rows.get(period) ?? { period }), [key]: value });
  report.history.forEach(h => put(h.period, 'actual', h.value));
  report.linear.forEach(h => put(h.period, 'linear', h.value));
  if (report.ovh) put(report.ovh.period, 'ovh', report.ovh.value);
  const data = [...rows.values()].sort((a, b) =>
    String(a.period).localeCompare(String(b.period)),
  );
  return (
    <LineChart
      width={W}
      height={H}
      data={data}
      role="img"
      aria-label="forecast, EUR TTC"
    >
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="period" />
      <YAxis unit=" €" />
      <Tooltip formatter={(v: unknown) => eur(Number(v))} />
      <Legend />
      <Line dataKey="actual" stroke="#2d3047" isAnimationActive={false} />
      <Line
        dataKey="linear"
        stroke="#1b998b"
        strokeDasharray="5 5"
        isAnimationActive={false}
      />
      <Line dataKey="ovh" stroke="#e84855" isAnimationActive={false} />
    </LineChart>
  );
};

/** A small trend line for the entity card. */
export const TrendChart = ({
  months,
}: {
  months: { period: string; ttc: number }[];
}) => (
  <LineChart
    width={320}
    height={120}
    data={months}
    role="img"
    aria-label="monthly cost trend, EUR TTC"
  >
    <XAxis dataKey="period" hide />
    <YAxis hide domain={[0, 'auto']} />
    <Tooltip formatter={(v: unknown) => eur(Number(v))} />
    <Line dataKey="ttc" stroke="#1b998b" isAnimationActive={false} />
  </LineChart>
);
