/**
 * Money with its tax basis. HT (hors taxes) and TTC (toutes taxes comprises)
 * are different quantities: a total never mixes them, so every amount carries
 * its basis and `sumAmounts` refuses a mixed list.
 *
 * Amounts are kept in micro-euros (integers) inside the engine so that sums
 * of many small hourly lines are exact; `round2` gives the displayed cents.
 */

export type Basis = 'HT' | 'TTC';
export type Currency = 'EUR';

export interface Amount {
  amount: number;
  currency: Currency;
  basis: Basis;
}

/** French standard VAT rate, applied to OVH invoices and to the dossier's estimates. */
export const VAT_RATE_FR = 0.2;

/** 1 EUR = 1e6 micro-euros. */
export const MICRO = 1_000_000;

export const toMicro = (eur: number) => Math.round(eur * MICRO);
export const fromMicro = (micro: number) => micro / MICRO;

/** Rounds half away from zero to cents, without the binary drift of 1.005 * 100. */
export function round2(value: number): number {
  const sign = value < 0 ? -1 : 1;
  return (sign * Math.round(Math.abs(value) * 100 + 1e-9)) / 100;
}

export const eur = (amount: number, basis: Basis): Amount => ({
  amount,
  currency: 'EUR',
  basis,
});

/** HT to TTC: VAT is computed on the HT amount, rounded to the micro-euro. */
export function splitHt(
  htMicro: number,
  vatRate = VAT_RATE_FR,
): { htMicro: number; vatMicro: number; ttcMicro: number } {
  const vatMicro = Math.round(htMicro * vatRate);
  return { htMicro, vatMicro, ttcMicro: htMicro + vatMicro };
}

/** TTC to HT: the HT part is derived, VAT is what remains, so HT + VAT = TTC exactly. */
export function splitTtc(
  ttcMicro: number,
  vatRate = VAT_RATE_FR,
): { htMicro: number; vatMicro: number; ttcMicro: number } {
  const htMicro = Math.round(ttcMicro / (1 + vatRate));
  return { htMicro, vatMicro: ttcMicro - htMicro, ttcMicro };
}

export const htToTtc = (ht: number, vatRate = VAT_RATE_FR) =>
  fromMicro(splitHt(toMicro(ht), vatRate).ttcMicro);

export const ttcToHt = (ttc: number, vatRate = VAT_RATE_FR) =>
  fromMicro(splitTtc(toMicro(ttc), vatRate).htMicro);

export class MixedBasisError extends Error {
  constructor(bases: Basis[]) {
    super(
      `refusing to add HT and TTC amounts in one total (got ${[
        ...new Set(bases),
      ].join(' and ')}); convert them to one basis first`,
    );
    this.name = 'MixedBasisError';
  }
}

/** Sums amounts of one basis; throws MixedBasisError when HT and TTC meet. */
export function sumAmounts(amounts: Amount[], basis?: Basis): Amount {
  const bases = amounts.map(a => a.basis);
  const target = basis ?? bases[0] ?? 'TTC';
  if (bases.some(b => b !== target))
    throw new MixedBasisError([target, ...bases]);
  const micro = amounts.reduce((s, a) => s + toMicro(a.amount), 0);
  return eur(fromMicro(micro), target);
}

/** "14.28 EUR TTC": every displayed figure says which basis it is. */
export const formatAmount = (a: Amount, approx = false) =>
  `${approx ? '~' : ''}${a.amount.toFixed(2)} ${a.currency} ${a.basis}`;
