import { Basis, MixedBasisError, round2 } from './money';

export type BudgetScope =
  | { type: 'all' }
  | { type: 'system'; name: string }
  | { type: 'group'; name: string };

export interface Budget {
  name: string;
  scope: BudgetScope;
  /** Monthly limit. */
  monthly: number;
  basis: Basis;
  /** Ratios of the limit that raise a warning, e.g. [0.8, 1]. */
  thresholds: number[];
}

export type BudgetStatus = 'ok' | 'warning' | 'exceeded';

export interface BudgetEvaluation {
  budget: Budget;
  period: string;
  spent: number;
  /** Projected month-end spend (burn rate x days), when the month is running. */
  projected: number;
  basis: Basis;
  ratio: number;
  projectedRatio: number;
  status: BudgetStatus;
  /** The thresholds already crossed by the spend. */
  crossed: number[];
}

/** Budgets of the embedded default: the dossier's totals, TTC a month. */
export const defaultBudgets: Budget[] = [
  {
    name: 'sovereign platform (full package)',
    scope: { type: 'all' },
    monthly: 35,
    basis: 'TTC',
    thresholds: [0.8, 1],
  },
  {
    name: 'platform system',
    scope: { type: 'system', name: 'platform' },
    monthly: 28,
    basis: 'TTC',
    thresholds: [0.8, 1],
  },
];

/**
 * Spend against a budget. `elapsedFraction` (0..1] is how much of the month
 * has passed: the month-end projection is spent / elapsedFraction.
 */
export function evaluateBudget(
  budget: Budget,
  period: string,
  spent: { amount: number; basis: Basis },
  elapsedFraction = 1,
): BudgetEvaluation {
  if (spent.basis !== budget.basis)
    throw new MixedBasisError([budget.basis, spent.basis]);
  const ratio = budget.monthly > 0 ? spent.amount / budget.monthly : 0;
  const projected =
    elapsedFraction > 0
      ? spent.amount / Math.min(1, elapsedFraction)
      : spent.amount;
  const crossed = [...budget.thresholds]
    .sort((a, b) => a - b)
    .filter(t => ratio >= t);
  const top = Math.max(...budget.thresholds, 1);
  let status: BudgetStatus = 'ok';
  if (ratio >= top) status = 'exceeded';
  else if (crossed.length) status = 'warning';
  return {
    budget,
    period,
    spent: round2(spent.amount),
    projected: round2(projected),
    basis: budget.basis,
    ratio: Math.round(ratio * 10000) / 10000,
    projectedRatio:
      budget.monthly > 0
        ? Math.round((projected / budget.monthly) * 10000) / 10000
        : 0,
    status,
    crossed,
  };
}
