import type { Basis, Currency } from './money';
import type { BudgetEvaluation } from './budget';
import type { Comparison, LegacySummary, SovereignSummary } from './roi';

export type CostSource =
  | 'ovh-bill'
  | 'ovh-consumption'
  | 'ovh-cloud'
  | 'manual'
  | 'estimate';
export type CostCategory =
  | 'compute'
  | 'domain'
  | 'storage'
  | 'saas'
  | 'one-off'
  | 'other';

/**
 * One normalized cost line. `externalId` is unique within its source and
 * period: re-ingesting the same period replaces lines, never duplicates them.
 * HT + VAT = TTC holds exactly for every line (amounts in EUR).
 */
export interface CostLine {
  /** 'YYYY-MM' */
  period: string;
  /** Start of the hour for hourly consumption lines, else the period's first day (ISO). */
  date: string;
  source: CostSource;
  externalId: string;
  category: CostCategory;
  node: string | null;
  service: string | null;
  description: string;
  amountHT: number;
  vatRate: number;
  vat: number;
  amountTTC: number;
  currency: Currency;
  /** True for the dossier's target prices used without OVH credentials. */
  estimate: boolean;
  /** OVH bill id when the line comes from an invoice. */
  billId: string | null;
}

export interface Totals {
  ht: number;
  vat: number;
  ttc: number;
}

export interface MonthlyRow {
  period: string;
  /** Per service (or category for unallocated lines), HT and TTC never added together. */
  byService: Record<string, Totals>;
  total: Totals;
  estimate: boolean;
  /** Whether the month's figures can still change (a bill may come late). */
  status: PeriodStatus;
  /** How the month's node costs were split, or null before any allocation. */
  allocation: AllocationMethod | null;
}

export interface MonthlyReport {
  currency: Currency;
  months: MonthlyRow[];
}

export interface BreakdownRow {
  key: string;
  system: string | null;
  ht: number;
  ttc: number;
  share: number;
}

export type AllocationMethod =
  | 'cluster-requests'
  | 'catalog-even-split'
  | 'no-snapshot';

/** `estimate`: dossier prices; `provisional`: OVH data before the month's final bill; `final`: billed. */
export type PeriodStatus = 'estimate' | 'provisional' | 'final';

export interface BreakdownReport {
  period: string;
  by: 'service' | 'system' | 'namespace';
  rows: BreakdownRow[];
  /**
   * Allocation method: from the requests observed in the cluster during the
   * period (`cluster-requests`), the catalog's even split when no cluster is
   * configured, or the even split of a past period for which no snapshot of
   * the cluster was taken (`no-snapshot`).
   */
  method: AllocationMethod;
  idle: Totals;
  currency: Currency;
}

export interface LegacyReport {
  legacy: LegacySummary;
  sovereign: SovereignSummary;
  /** Against the optimised target and against the full package. */
  optimised: Comparison;
  fullPackage: Comparison;
  /** Measured (invoice) sovereign monthly TTC for the last complete month, when invoices exist. */
  measured: { period: string; ttc: number } | null;
  estimate: boolean;
}

export interface ForecastReport {
  basis: Basis;
  history: { period: string; value: number }[];
  linear: { period: string; value: number }[];
  /** OVH's own forecast of the current month, when credentials are configured. */
  ovh: { period: string; value: number } | null;
}

export interface BudgetReport {
  period: string;
  budgets: BudgetEvaluation[];
}

export interface EntityCost {
  entity: string;
  kind: 'node' | 'service';
  basis: Basis;
  months: { period: string; ht: number; ttc: number }[];
  estimate: boolean;
}

export interface InvoiceSummary {
  billId: string;
  period: string;
  ht: number;
  vat: number;
  ttc: number;
  lines: number;
}
