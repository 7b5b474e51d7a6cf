import {
  compareCosts,
  legacySummary,
  sovereignSummary,
  sovereignTargets,
} from './roi';
import { dossierTotals, legacyCatalog, targetCatalog } from './dossier';

/** Two nodes as a catalog states them (the real catalog's prices are checked in the engine's tests). */
const nodes = [
  {
    name: 'node-a',
    offer: 'VPS-3',
    monthlyPrice: { amount: 14.28, basis: 'TTC' as const },
  },
  {
    name: 'node-b',
    offer: 'VPS-2',
    monthlyPrice: { amount: 6, basis: 'HT' as const },
  },
];
const targets = sovereignTargets(nodes);

describe("the dossier's FinOps figures", () => {
  it('legacy SaaS costs 119.88 + 66.24 + 84.00 + 125.00 = 395.12 EUR HT a year', () => {
    const legacy = legacySummary();
    expect(legacy.lines.map(l => l.annualHT)).toEqual([119.88, 66.24, 84, 125]);
    expect(legacy.annualHT).toBe(395.12);
  });

  it('legacy monthly TTC is annual HT x 1.2 / 12, within a cent of each dossier estimate', () => {
    const legacy = legacySummary();
    expect(legacy.monthlyTTC).toBe(39.51);
    legacy.lines.forEach((line, i) =>
      expect(line.monthlyTTC).toBeCloseTo(
        legacyCatalog[i].dossierMonthlyTtcEstimate,
        1,
      ),
    );
    // The dossier's ~39.52 adds its rounded estimates; 395.12 x 1.2 / 12 is 39.512.
    expect(legacy.monthlyTTC).toBeCloseTo(39.52, 1);
  });

  it('the fixed sovereign cost is 14.28 + ~10.00 = ~24.28 EUR TTC a month', () => {
    const s = sovereignSummary({}, targets);
    expect(s.lines.filter(l => l.kind === 'fixed').map(l => l.monthly)).toEqual(
      [14.28, 10],
    );
    expect(s.fixedTTC).toBe(24.28);
    expect(s.fixedTTC).toBe(dossierTotals.fixedTTC);
  });

  it('gives ~28 optimised (fixed + S3 3.00) and ~35 with the AI node (+ VPS-2 7.20), TTC', () => {
    const s = sovereignSummary({}, targets);
    expect(s.optimisedTTC).toBe(27.28);
    expect(s.fullPackageTTC).toBe(34.48);
    expect(s.optimisedApproxTTC).toBe(dossierTotals.optimisedTTC);
    expect(s.fullPackageApproxTTC).toBe(dossierTotals.fullPackageTTC);
  });

  it('keeps the Proton plan B (12.99) out of every total', () => {
    const s = sovereignSummary({}, targets);
    expect(s.optionsTTC).toBe(12.99);
    expect(s.fullPackageTTC).toBeLessThan(35);
  });

  it('prices the dossier node lines from the catalog nodes of their offer, converted to TTC', () => {
    expect(targets.filter(t => t.node).map(t => [t.id, t.node, t.monthly])).toEqual([
      ['vps-3', 'node-a', 14.28],
      ['vps-2', 'node-b', 7.2],
    ]);
    expect(targetCatalog.some(t => t.category === 'compute')).toBe(false);
  });

  it('states every target figure TTC, and refuses an HT line in the sum', () => {
    expect(targets.every(t => t.basis === 'TTC')).toBe(true);
    expect(() =>
      sovereignSummary({}, [{ ...targets[0], basis: 'HT' }]),
    ).toThrow(/TTC/);
  });

  it('saves ~10-30% against the legacy with the dossier totals, and lists the intangibles as notes', () => {
    const legacy = legacySummary();
    const optimised = compareCosts(
      legacy.monthlyTTC,
      dossierTotals.optimisedTTC,
    );
    const full = compareCosts(legacy.monthlyTTC, dossierTotals.fullPackageTTC);
    expect(optimised.savingMonthlyTTC).toBe(11.51);
    expect(optimised.savingPercent).toBe(29.13);
    expect(full.savingPercent).toBe(11.41);
    for (const c of [optimised, full]) {
      expect(c.savingPercent).toBeGreaterThanOrEqual(10);
      expect(c.savingPercent).toBeLessThanOrEqual(30);
    }
    expect(optimised.notes.join(' ')).toMatch(/Sovereignty/);
  });

  it('pays back a one-off migration cost in cost / monthly saving months', () => {
    const c = compareCosts(39.51, 27.28, 122.3);
    expect(c.savingMonthlyTTC).toBe(12.23);
    expect(c.paybackMonths).toBe(10);
    expect(c.roiPercent).toBe(20);
    expect(compareCosts(20, 30, 100).paybackMonths).toBeNull();
    expect(compareCosts(30, 20).paybackMonths).toBe(0);
  });
});
