import { round2 } from './money';

export interface SeriesPoint {
  period: string;
  value: number;
}

/** Next month of a 'YYYY-MM' period. */
export function nextPeriod(period: string, n = 1): string {
  const [y, m] = period.split('-').map(Number);
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

/** Every 'YYYY-MM' from `from` to `to`, inclusive. */
export function periodRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let p = from; p <= to; p = nextPeriod(p)) out.push(p);
  return out;
}

export interface LinearFit {
  slope: number;
  intercept: number;
}

/** Least-squares line through the points (x = index). A single point gives a flat line. */
export function linearFit(values: number[]): LinearFit {
  const n = values.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  if (n === 1) return { slope: 0, intercept: values[0] };
  const mx = (n - 1) / 2;
  const my = values.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((v, i) => {
    num += (i - mx) * (v - my);
    den += (i - mx) ** 2;
  });
  const slope = num / den;
  return { slope, intercept: my - slope * mx };
}

/**
 * Linear projection of a monthly series over `horizon` months, never below
 * zero (a cost does not turn into income).
 */
export function projectLinear(
  history: SeriesPoint[],
  horizon: number,
): SeriesPoint[] {
  if (!history.length) return [];
  const { slope, intercept } = linearFit(history.map(p => p.value));
  const last = history[history.length - 1].period;
  return Array.from({ length: horizon }, (_, i) => ({
    period: nextPeriod(last, i + 1),
    value: round2(Math.max(0, intercept + slope * (history.length + i))),
  }));
}

/** Days in a 'YYYY-MM' month. */
export const daysInPeriod = (period: string) => {
  const [y, m] = period.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};

export const hoursInPeriod = (period: string) => daysInPeriod(period) * 24;
