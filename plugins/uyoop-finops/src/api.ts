import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  BreakdownReport,
  BudgetReport,
  EntityCost,
  CostLine,
  ForecastReport,
  InvoiceSummary,
  LegacyReport,
  MonthlyReport,
} from '@internal/plugin-uyoop-finops-common';

export interface FinopsApi {
  monthly(from?: string, to?: string): Promise<MonthlyReport>;
  breakdown(
    by: BreakdownReport['by'],
    period?: string,
  ): Promise<BreakdownReport>;
  legacy(): Promise<LegacyReport>;
  forecast(): Promise<ForecastReport>;
  budgets(): Promise<BudgetReport>;
  entityCost(kind: 'node' | 'service', name: string): Promise<EntityCost>;
  /** The ingested OVH bills (everyone signed in). */
  invoices(): Promise<InvoiceSummary[]>;
  /** The lines of one bill (finance and admins). */
  invoiceLines(billId: string): Promise<CostLine[]>;
  /** An ingestion now, of the given months or of those still open (finance and admins). */
  ingest(periods?: string[]): Promise<{ periods: string[]; lines: number }>;
}

export const finopsApiRef = createApiRef<FinopsApi>({ id: 'plugin.finops' });

export class FinopsClient implements FinopsApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async get<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl('finops');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.json();
  }

  monthly(from?: string, to?: string) {
    const q = new URLSearchParams({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    });
    return this.get<MonthlyReport>(`/reports/monthly?${q}`);
  }
  breakdown(by: BreakdownReport['by'], period?: string) {
    return this.get<BreakdownReport>(
      `/reports/breakdown?${new URLSearchParams({
        by,
        ...(period ? { period } : {}),
      })}`,
    );
  }
  legacy() {
    return this.get<LegacyReport>('/reports/legacy');
  }
  forecast() {
    return this.get<ForecastReport>('/reports/forecast');
  }
  budgets() {
    return this.get<BudgetReport>('/budgets');
  }
  entityCost(kind: 'node' | 'service', name: string) {
    return this.get<EntityCost>(
      `/entities/${kind}/${encodeURIComponent(name)}`,
    );
  }
  async invoices() {
    return (await this.get<{ invoices: InvoiceSummary[] }>('/invoices'))
      .invoices;
  }
  async invoiceLines(billId: string) {
    return (
      await this.get<{ lines: CostLine[] }>(
        `/invoices/${encodeURIComponent(billId)}`,
      )
    ).lines;
  }
  ingest(periods?: string[]) {
    return this.get<{ periods: string[]; lines: number }>('/ingest', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(periods ? { periods } : {}),
    });
  }
}
