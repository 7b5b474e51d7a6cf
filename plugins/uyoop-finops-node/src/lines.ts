import {
  Basis,
  CostCategory,
  CostLine,
  CostSource,
  fromMicro,
  splitHt,
  splitTtc,
  toMicro,
  VAT_RATE_FR,
} from '@internal/plugin-uyoop-finops-common';

export interface LineInput {
  period: string;
  date?: string;
  source: CostSource;
  externalId: string;
  category: CostCategory;
  node?: string | null;
  service?: string | null;
  description: string;
  amount: number;
  basis: Basis;
  vatRate?: number;
  estimate?: boolean;
  billId?: string | null;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export const isPeriod = (p: string) => PERIOD.test(p);

/** The running month, 'YYYY-MM', in UTC. */
export const currentPeriod = (now = new Date()) =>
  now.toISOString().slice(0, 7);

/**
 * Builds a normalized line from an amount stated HT or TTC: the other side
 * is derived so that HT + VAT = TTC exactly (to the micro-euro).
 */
export function makeLine(input: LineInput): CostLine {
  if (!isPeriod(input.period))
    throw new Error(`period must be YYYY-MM, got "${input.period}"`);
  if (!Number.isFinite(input.amount))
    throw new Error(`amount of "${input.description}" is not a number`);
  const vatRate = input.vatRate ?? VAT_RATE_FR;
  const parts =
    input.basis === 'HT'
      ? splitHt(toMicro(input.amount), vatRate)
      : splitTtc(toMicro(input.amount), vatRate);
  return {
    period: input.period,
    date: input.date ?? `${input.period}-01T00:00:00.000Z`,
    source: input.source,
    externalId: input.externalId,
    category: input.category,
    node: input.node ?? null,
    service: input.service ?? null,
    description: input.description,
    amountHT: fromMicro(parts.htMicro),
    vatRate,
    vat: fromMicro(parts.vatMicro),
    amountTTC: fromMicro(parts.ttcMicro),
    currency: 'EUR',
    estimate: input.estimate ?? false,
    billId: input.billId ?? null,
  };
}
