import { evaluateBudget } from './budget';
import {
  projectLinear,
  nextPeriod,
  periodRange,
  hoursInPeriod,
} from './forecast';

const budget = {
  name: 'platform',
  scope: { type: 'all' as const },
  monthly: 35,
  basis: 'TTC' as const,
  thresholds: [0.8, 1],
};

describe('budgets', () => {
  it.each([
    [20, 'ok', []],
    [28, 'warning', [0.8]],
    [35, 'exceeded', [0.8, 1]],
  ])('%p EUR TTC spent of 35 is %p', (spent, status, crossed) => {
    const e = evaluateBudget(budget, '2026-05', {
      amount: spent as number,
      basis: 'TTC',
    });
    expect(e.status).toBe(status);
    expect(e.crossed).toEqual(crossed);
  });

  it('projects the month-end spend from the burn rate', () => {
    const e = evaluateBudget(
      budget,
      '2026-05',
      { amount: 10, basis: 'TTC' },
      0.25,
    );
    expect(e.projected).toBe(40);
    expect(e.projectedRatio).toBeCloseTo(40 / 35, 4);
  });

  it('refuses an HT spend against a TTC budget', () => {
    expect(() =>
      evaluateBudget(budget, '2026-05', { amount: 10, basis: 'HT' }),
    ).toThrow(/HT and TTC/);
  });
});

describe('forecast', () => {
  it('projects a linear trend and never below zero', () => {
    const history = [
      { period: '2026-02', value: 24.28 },
      { period: '2026-03', value: 27.28 },
      { period: '2026-04', value: 30.28 },
    ];
    expect(projectLinear(history, 2)).toEqual([
      { period: '2026-05', value: 33.28 },
      { period: '2026-06', value: 36.28 },
    ]);
    expect(
      projectLinear(
        [
          { period: '2026-01', value: 10 },
          { period: '2026-02', value: 1 },
        ],
        3,
      ).map(p => p.value),
    ).toEqual([0, 0, 0]);
  });

  it('walks periods across years and counts hours', () => {
    expect(nextPeriod('2026-12')).toBe('2027-01');
    expect(periodRange('2025-11', '2026-02')).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    expect(hoursInPeriod('2026-02')).toBe(672);
  });
});
