import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Chip,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { finopsApiRef } from '../api';
import { InvoicesCard } from './InvoicesCard';
import {
  BudgetChart,
  ForecastChart,
  LegacyChart,
  MonthlyStackedChart,
} from './charts';

const f = (v: number) => v.toFixed(2);

/** The FinOps page: monthly costs by service, legacy against sovereign, budget burn, forecast. */
export const FinopsPage = () => {
  const api = useApi(finopsApiRef);
  const { value, loading, error } = useAsync(async () => {
    const [monthly, legacy, budgets, forecast, systems] = await Promise.all([
      api.monthly(),
      api.legacy(),
      api.budgets(),
      api.forecast(),
      api.breakdown('system'),
    ]);
    return { monthly, legacy, budgets, forecast, systems };
  }, [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const { monthly, legacy, budgets, forecast, systems } = value!;
  const estimate = legacy.estimate;
  return (
    <Content>
      <Grid container spacing={3}>
        <Grid item xs={12}>
          {estimate ? (
            <Chip
              color="secondary"
              label="estimate: dossier target prices (no OVH credentials)"
            />
          ) : (
            <Chip
              color="primary"
              label={`measured from OVH invoices (${legacy.measured?.period})`}
            />
          )}
        </Grid>
        <Grid item xs={12} lg={6}>
          <InfoCard
            title="Legacy against sovereign"
            subheader="EUR TTC a month; the legacy bill is stated HT a year"
          >
            <LegacyChart report={legacy} />
            <Table size="small" aria-label="legacy against sovereign">
              <TableBody>
                <TableRow>
                  <TableCell>Legacy SaaS, 2025</TableCell>
                  <TableCell>
                    {legacy.legacy.lines
                      .map(l => `${l.provider} ${f(l.annualHT)}`)
                      .join(' + ')}{' '}
                    = {f(legacy.legacy.annualHT)} EUR HT a year
                  </TableCell>
                  <TableCell align="right">
                    {f(legacy.legacy.monthlyTTC)} EUR TTC a month
                  </TableCell>
                </TableRow>
                <TableRow>
                  <TableCell>Sovereign fixed</TableCell>
                  <TableCell>
                    {legacy.sovereign.lines
                      .filter(l => l.kind === 'fixed')
                      .map(
                        l =>
                          `${l.label} ${
                            l.approximate && !l.fromInvoice ? '~' : ''
                          }${f(l.monthly)}`,
                      )
                      .join(' + ')}
                  </TableCell>
                  <TableCell align="right">
                    ~{f(legacy.sovereign.fixedTTC)} EUR TTC a month
                  </TableCell>
                </TableRow>
                <TableRow>
                  <TableCell>Sovereign optimised</TableCell>
                  <TableCell>
                    fixed + S3 buffer: {f(legacy.sovereign.optimisedTTC)}
                  </TableCell>
                  <TableCell align="right">
                    ~{legacy.sovereign.optimisedApproxTTC} EUR TTC a month
                  </TableCell>
                </TableRow>
                <TableRow>
                  <TableCell>Sovereign with the AI node</TableCell>
                  <TableCell>
                    optimised + VPS-2: {f(legacy.sovereign.fullPackageTTC)}
                  </TableCell>
                  <TableCell align="right">
                    ~{legacy.sovereign.fullPackageApproxTTC} EUR TTC a month
                  </TableCell>
                </TableRow>
                <TableRow>
                  <TableCell>Saving</TableCell>
                  <TableCell>
                    {f(legacy.optimised.savingMonthlyTTC)} EUR TTC a month (
                    {legacy.optimised.savingPercent}%) optimised,{' '}
                    {f(legacy.fullPackage.savingMonthlyTTC)} (
                    {legacy.fullPackage.savingPercent}%) with the AI node
                  </TableCell>
                  <TableCell align="right">
                    payback:{' '}
                    {legacy.optimised.paybackMonths === null
                      ? 'never'
                      : `${legacy.optimised.paybackMonths} months`}
                  </TableCell>
                </TableRow>
              </TableBody>
            </Table>
            {legacy.optimised.notes.map(n => (
              <Typography key={n} variant="body2" color="textSecondary">
                Note: {n}
              </Typography>
            ))}
          </InfoCard>
        </Grid>
        <Grid item xs={12} lg={6}>
          <InfoCard
            title="Monthly costs by service"
            subheader="EUR TTC, stacked"
          >
            <MonthlyStackedChart report={monthly} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} lg={6}>
          <InfoCard
            title="Budget burn"
            subheader={`${budgets.period}, EUR ${
              budgets.budgets[0]?.basis ?? 'TTC'
            }`}
          >
            <BudgetChart budgets={budgets.budgets} />
            <Table size="small" aria-label="budgets">
              <TableHead>
                <TableRow>
                  <TableCell>Budget</TableCell>
                  <TableCell align="right">Spent</TableCell>
                  <TableCell align="right">Limit</TableCell>
                  <TableCell>Status</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {budgets.budgets.map(b => (
                  <TableRow key={b.budget.name}>
                    <TableCell>{b.budget.name}</TableCell>
                    <TableCell align="right">
                      {f(b.spent)} EUR {b.basis}
                    </TableCell>
                    <TableCell align="right">
                      {f(b.budget.monthly)} EUR {b.basis}
                    </TableCell>
                    <TableCell>{b.status}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </InfoCard>
        </Grid>
        <Grid item xs={12} lg={6}>
          <InfoCard
            title="Forecast"
            subheader="EUR TTC a month: actual, linear projection, OVH forecast"
          >
            <ForecastChart report={forecast} />
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard
            title="Months"
            subheader="provisional: the month's final bill may still change it; final: billed"
          >
            <Table size="small" aria-label="months">
              <TableHead>
                <TableRow>
                  <TableCell>Month</TableCell>
                  <TableCell align="right">EUR HT</TableCell>
                  <TableCell align="right">EUR TTC</TableCell>
                  <TableCell>Figures</TableCell>
                  <TableCell>Allocation</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {monthly.months.map(m => (
                  <TableRow key={m.period}>
                    <TableCell>{m.period}</TableCell>
                    <TableCell align="right">{f(m.total.ht)}</TableCell>
                    <TableCell align="right">{f(m.total.ttc)}</TableCell>
                    <TableCell>{m.status}</TableCell>
                    <TableCell>
                      {m.allocation === 'no-snapshot'
                        ? 'even split: no snapshot of the cluster for this month'
                        : m.allocation ?? '-'}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard
            title={`By System, ${systems.period}`}
            subheader={`allocation: ${systems.method}`}
          >
            <Table size="small" aria-label="costs by system">
              <TableHead>
                <TableRow>
                  <TableCell>System</TableCell>
                  <TableCell align="right">EUR HT</TableCell>
                  <TableCell align="right">EUR TTC</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {systems.rows.map(r => (
                  <TableRow key={r.key}>
                    <TableCell>{r.key}</TableCell>
                    <TableCell align="right">{f(r.ht)}</TableCell>
                    <TableCell align="right">{f(r.ttc)}</TableCell>
                  </TableRow>
                ))}
                <TableRow>
                  <TableCell>(idle: capacity minus requests)</TableCell>
                  <TableCell align="right">{f(systems.idle.ht)}</TableCell>
                  <TableCell align="right">{f(systems.idle.ttc)}</TableCell>
                </TableRow>
              </TableBody>
            </Table>
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InvoicesCard />
        </Grid>
      </Grid>
    </Content>
  );
};
