import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { CostLine } from '@internal/plugin-uyoop-finops-common';
import type { FinopsApi } from '../api';
import { finopsApiRef } from '../api';
import { InvoicesCard } from './InvoicesCard';
import { SWRConfig } from 'swr';
import type { ReactNode } from 'react';

/**
 * usePermission keeps decisions in SWR's cache, shared by every render of
 * this file: each test gets an empty one, so that one user's decision never
 * answers for the next.
 */
const withFreshPermissions = (children: ReactNode) => (
  <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
);

const line: CostLine = {
  period: '2026-10',
  date: '2026-10-01',
  source: 'ovh-bill',
  externalId: 'FR1-1',
  category: 'compute',
  node: 'core-prod',
  service: null,
  description: 'VPS-3 core-prod, October',
  amountHT: 11.9,
  vatRate: 0.2,
  vat: 2.38,
  amountTTC: 14.28,
  currency: 'EUR',
  estimate: false,
  billId: 'FR1',
};

function fakeApi(): FinopsApi & { ingested: number } {
  let bills: Awaited<ReturnType<FinopsApi['invoices']>> = [];
  const api = {
    ingested: 0,
    invoices: async () => bills,
    invoiceLines: async (billId: string) => (billId === 'FR1' ? [line] : []),
    ingest: async () => {
      api.ingested++;
      bills = [
        {
          billId: 'FR1',
          period: '2026-10',
          ht: 11.9,
          vat: 2.38,
          ttc: 14.28,
          lines: 1,
        },
      ];
      return { periods: ['2026-10'], lines: 1 };
    },
  };
  return api as unknown as FinopsApi & { ingested: number };
}

// Rendering the test app takes seconds on a loaded machine.
jest.setTimeout(60_000);
const slow = { timeout: 20_000 };

describe('InvoicesCard', () => {
  it('lets finance ingest, then shows the new bill and its lines', async () => {
    const api = fakeApi();
    await renderInTestApp(withFreshPermissions(<InvoicesCard />), {
      apis: [
        [finopsApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
        ],
      ],
    });
    expect(
      await screen.findByText('No bill ingested yet.', {}, slow),
    ).toBeInTheDocument();
    const ingest = screen.getByRole('button', { name: 'Ingest now' });
    await waitFor(() => expect(ingest).toBeEnabled(), slow);
    fireEvent.click(ingest);
    expect(await screen.findByRole('status', {}, slow)).toHaveTextContent(
      'Ingested 1 lines for 2026-10.',
    );
    expect(api.ingested).toBe(1);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Show lines' }, slow),
    );
    expect(
      await screen.findByRole('table', { name: 'lines of FR1' }, slow),
    ).toHaveTextContent('VPS-3 core-prod, October');
  });

  it('shows others the controls disabled, and why', async () => {
    const api = fakeApi();
    await api.ingest();
    await renderInTestApp(withFreshPermissions(<InvoicesCard />), {
      apis: [
        [finopsApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({ authorize: AuthorizeResult.DENY }),
        ],
      ],
    });
    expect(await screen.findByText('FR1', {}, slow)).toBeInTheDocument();
    expect(
      await screen.findByText(
        'Ingestion and invoice lines: finance and admins only.',
        {},
        slow,
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Ingest now' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Show lines' })).toBeDisabled();
  });
});
