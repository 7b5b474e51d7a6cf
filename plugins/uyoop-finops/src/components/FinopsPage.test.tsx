import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import {
  compareCosts,
  legacySummary,
  sovereignSummary,
  sovereignTargets,
} from '@internal/plugin-uyoop-finops-common';
import type { MonthlyReport } from '@internal/plugin-uyoop-finops-common';
import type { FinopsApi } from '../api';
import { finopsApiRef } from '../api';
import { FinopsPage } from './FinopsPage';

const legacy = legacySummary();
const sovereign = sovereignSummary(
  {},
  sovereignTargets([
    {
      name: 'core-prod',
      offer: 'VPS-3',
      monthlyPrice: { amount: 14.28, basis: 'TTC' },
    },
    {
      name: 'ai-lab',
      offer: 'VPS-2',
      monthlyPrice: { amount: 7.2, basis: 'TTC' },
    },
  ]),
);
export const fakeApi: FinopsApi = {
  monthly: async (): Promise<MonthlyReport> => ({
    currency: 'EUR',
    months: [
      {
        period: '2026-10',
        byService: {
          mailcow: { ht: 2, vat: 0.4, ttc: 2.4 },
          domains: { ht: 8.33, vat: 1.67, ttc: 10 },
        },
        total: { ht: 10.33, vat: 2.07, ttc: 12.4 },
        estimate: true,
        status: 'estimate',
        allocation: 'catalog-even-split',
      },
      {
        period: '2026-11',
        byService: { mailcow: { ht: 2, vat: 0.4, ttc: 2.4 } },
        total: { ht: 2, vat: 0.4, ttc: 2.4 },
        estimate: false,
        status: 'provisional' as const,
        allocation: 'no-snapshot' as const,
      },
    ],
  }),
  breakdown: async () => ({
    period: '2026-11',
    by: 'system',
    rows: [{ key: 'mail', system: 'mail', ht: 2, ttc: 2.4, share: 0.2 }],
    method: 'catalog-even-split',
    idle: { ht: 0, vat: 0, ttc: 0 },
    currency: 'EUR',
  }),
  legacy: async () => ({
    legacy,
    sovereign,
    optimised: compareCosts(legacy.monthlyTTC, sovereign.optimisedTTC),
    fullPackage: compareCosts(legacy.monthlyTTC, sovereign.fullPackageTTC),
    measured: null,
    estimate: true,
  }),
  forecast: async () => ({
    basis: 'TTC',
    history: [{ period: '2026-10', value: 34.48 }],
    linear: [{ period: '2026-11', value: 34.48 }],
    ovh: null,
  }),
  budgets: async () => ({ period: '2026-11', budgets: [] }),
  entityCost: async () => ({
    entity: 'core-prod',
    kind: 'node',
    basis: 'TTC',
    months: [],
    estimate: true,
  }),
  invoices: async () => [],
  invoiceLines: async () => [],
  ingest: async () => ({ periods: [], lines: 0 }),
};

// Rendering the test app takes seconds on a loaded machine.
jest.setTimeout(60_000);

describe('FinopsPage', () => {
  it("shows legacy against sovereign with the dossier's figures, labelled estimate", async () => {
    await renderInTestApp(<FinopsPage />, { apis: [[finopsApiRef, fakeApi]] });
    expect(
      await screen.findByText(/estimate: dossier target prices/),
    ).toBeInTheDocument();
    const table = screen.getByRole('table', {
      name: 'legacy against sovereign',
    });
    expect(table).toHaveTextContent(
      'Proton 119.88 + Microsoft 66.24 + O2Switch 84.00 + Registrars 125.00 = 395.12 EUR HT a year',
    );
    expect(table).toHaveTextContent('~24.28 EUR TTC a month');
    expect(table).toHaveTextContent('~28 EUR TTC a month');
    expect(table).toHaveTextContent('~35 EUR TTC a month');
    expect(
      screen.getByRole('img', {
        name: 'legacy against sovereign, EUR TTC a month',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText(/Sovereignty/)).toBeInTheDocument();
    // The first render of the file also pays for loading the page cold.
  }, 30_000);

  it('says which months are provisional and which were split without a cluster snapshot', async () => {
    await renderInTestApp(<FinopsPage />, { apis: [[finopsApiRef, fakeApi]] });
    const table = await screen.findByRole('table', { name: 'months' });
    const rows = Array.from(table.querySelectorAll('tbody tr')).map(
      r => r.textContent,
    );
    expect(rows).toEqual([
      '2026-1010.3312.40estimatecatalog-even-split',
      '2026-112.002.40provisionaleven split: no snapshot of the cluster for this month',
    ]);
  });
});
