import {
  intangibleNotes,
  legacyCatalog,
  LegacyCost,
  nodeTargets,
  targetCatalog,
  TargetCost,
} from './dossier';
import {
  Basis,
  fromMicro,
  MICRO,
  round2,
  splitHt,
  toMicro,
  VAT_RATE_FR,
} from './money';

export interface LegacyLine {
  provider: string;
  services: string;
  annualHT: number;
  monthlyHT: number;
  /** annual HT x (1 + VAT) / 12, rounded to cents. */
  monthlyTTC: number;
}

export interface LegacySummary {
  lines: LegacyLine[];
  annualHT: number;
  monthlyHT: number;
  annualTTC: number;
  monthlyTTC: number;
}

/** The legacy SaaS bill: 395.12 EUR HT a year for the dossier's catalog. */
export function legacySummary(
  catalog: LegacyCost[] = legacyCatalog,
  vatRate = VAT_RATE_FR,
): LegacySummary {
  const lines = catalog.map(c => {
    const annual = toMicro(c.annualHT);
    return {
      provider: c.provider,
      services: c.services,
      annualHT: fromMicro(annual),
      monthlyHT: round2(fromMicro(annual / 12)),
      monthlyTTC: round2(fromMicro((annual * (1 + vatRate)) / 12)),
    };
  });
  const annualMicro = catalog.reduce((s, c) => s + toMicro(c.annualHT), 0);
  return {
    lines,
    annualHT: fromMicro(annualMicro),
    monthlyHT: round2(fromMicro(annualMicro / 12)),
    annualTTC: round2(fromMicro(annualMicro * (1 + vatRate))),
    monthlyTTC: round2(fromMicro((annualMicro * (1 + vatRate)) / 12)),
  };
}

/** What the cost math needs of a catalog node (packages/platform's PlatformNode has it). */
export interface PricedNode {
  name: string;
  offer: string;
  monthlyPrice: { amount: number; basis: Basis };
}

/**
 * The sovereign target lines: the dossier's node lines priced from the
 * catalog (converted to TTC when the catalog states HT), then the other
 * targets. A dossier node line with no catalog node of its offer is left out.
 */
export function sovereignTargets(
  nodes: PricedNode[],
  vatRate = VAT_RATE_FR,
): TargetCost[] {
  const priced: TargetCost[] = [];
  for (const t of nodeTargets) {
    const node = nodes.find(n => n.offer === t.offer);
    if (!node) continue;
    const { amount, basis } = node.monthlyPrice;
    const ttc =
      basis === 'TTC'
        ? amount
        : fromMicro(splitHt(toMicro(amount), vatRate).ttcMicro);
    priced.push({
      id: t.id,
      label: `${t.offer} (${node.name})`,
      kind: t.kind,
      monthly: ttc,
      basis: 'TTC',
      approximate: t.approximate,
      node: node.name,
      category: 'compute',
      note: t.note,
    });
  }
  return [...priced, ...targetCatalog];
}

export interface SovereignSummary {
  /** Per target line, TTC a month; `fromInvoice` when a measured figure replaced the dossier's. */
  lines: (TargetCost & { fromInvoice: boolean })[];
  fixedTTC: number;
  /** Fixed + S3 buffer (no permanent AI node). */
  optimisedTTC: number;
  /** Optimised + the AI node (VPS-2). */
  fullPackageTTC: number;
  /** The dossier's "~" figures: the exact totals rounded up to the euro. */
  optimisedApproxTTC: number;
  fullPackageApproxTTC: number;
  /** Options (Proton plan B) are shown, never added. */
  optionsTTC: number;
}

const sumTtc = (lines: { monthly: number }[]) =>
  fromMicro(lines.reduce((s, l) => s + toMicro(l.monthly), 0));

/**
 * The sovereign target, TTC a month. `measured` replaces a line's dossier
 * figure with a measured one (e.g. the node's real invoice), by line id.
 */
export function sovereignSummary(
  measured: Partial<Record<string, number>>,
  catalog: TargetCost[],
): SovereignSummary {
  const lines = catalog.map(t => ({
    ...t,
    monthly: measured[t.id] ?? t.monthly,
    fromInvoice: measured[t.id] !== undefined,
  }));
  if (lines.some(l => l.basis !== 'TTC'))
    throw new Error(
      'the sovereign target is stated TTC; convert HT lines first',
    );
  const fixed = lines.filter(l => l.kind === 'fixed');
  const storage = lines.filter(
    l => l.kind === 'variable' && l.category === 'storage',
  );
  const compute = lines.filter(
    l => l.kind === 'variable' && l.category === 'compute',
  );
  const fixedTTC = sumTtc(fixed);
  const optimisedTTC = sumTtc([...fixed, ...storage]);
  const fullPackageTTC = sumTtc([...fixed, ...storage, ...compute]);
  return {
    lines,
    fixedTTC,
    optimisedTTC,
    fullPackageTTC,
    optimisedApproxTTC: Math.ceil(optimisedTTC),
    fullPackageApproxTTC: Math.ceil(fullPackageTTC),
    optionsTTC: sumTtc(lines.filter(l => l.kind === 'option')),
  };
}

export interface Comparison {
  legacyMonthlyTTC: number;
  sovereignMonthlyTTC: number;
  savingMonthlyTTC: number;
  savingAnnualTTC: number;
  /** Saving as a share of the legacy cost, in %. */
  savingPercent: number;
  /** One-off migration costs (TTC) the saving must pay back. */
  oneOffTTC: number;
  /** First-year ROI in %: (annual saving - one-off) / one-off; null without one-off cost. */
  roiPercent: number | null;
  /** Months until the one-off cost is paid back; 0 without one-off; null when nothing is saved. */
  paybackMonths: number | null;
  notes: string[];
}

/** Legacy against sovereign, all TTC a month: saving in EUR and %, ROI and payback. */
export function compareCosts(
  legacyMonthlyTTC: number,
  sovereignMonthlyTTC: number,
  oneOffTTC = 0,
  notes: string[] = intangibleNotes,
): Comparison {
  const savingMicro = toMicro(legacyMonthlyTTC) - toMicro(sovereignMonthlyTTC);
  const saving = fromMicro(savingMicro);
  const annual = fromMicro(savingMicro * 12);
  let paybackMonths: number | null;
  if (oneOffTTC <= 0) paybackMonths = savingMicro > 0 ? 0 : null;
  else
    paybackMonths =
      savingMicro > 0 ? round2(toMicro(oneOffTTC) / savingMicro) : null;
  return {
    legacyMonthlyTTC,
    sovereignMonthlyTTC,
    savingMonthlyTTC: round2(saving),
    savingAnnualTTC: round2(annual),
    savingPercent:
      legacyMonthlyTTC > 0 ? round2((saving / legacyMonthlyTTC) * 100) : 0,
    oneOffTTC,
    roiPercent:
      oneOffTTC > 0 ? round2(((annual - oneOffTTC) / oneOffTTC) * 100) : null,
    paybackMonths,
    notes,
  };
}

export { MICRO };
