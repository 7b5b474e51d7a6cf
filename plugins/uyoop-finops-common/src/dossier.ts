/**
 * The figures of the dossier's FinOps chapter (03. ANALYSE FINOPS), as data.
 * They seed the legacy catalog, the estimates of the costs that are not
 * nodes (node prices live in the catalog), the stated totals the tests
 * compare against, and the ROI notes.
 */
import { Basis } from './money';

export interface LegacyCost {
  provider: string;
  services: string;
  /** Annual cost, HT, as the dossier's table gives it. */
  annualHT: number;
  /** The dossier's own monthly TTC estimate column, kept for reference. */
  dossierMonthlyTtcEstimate: number;
}

/** 2025 legacy SaaS (table "Situation Initiale"). Total 395.12 EUR HT a year. */
export const legacyCatalog: LegacyCost[] = [
  {
    provider: 'Proton',
    services: 'Mail, VPN, Drive (Switzerland)',
    annualHT: 119.88,
    dossierMonthlyTtcEstimate: 12.0,
  },
  {
    provider: 'Microsoft',
    services: 'Office 365, Exchange (US/EU)',
    annualHT: 66.24,
    dossierMonthlyTtcEstimate: 6.62,
  },
  {
    provider: 'O2Switch',
    services: 'Shared hosting (France)',
    annualHT: 84.0,
    dossierMonthlyTtcEstimate: 8.4,
  },
  {
    provider: 'Registrars',
    services: 'Domain name portfolio',
    annualHT: 125.0,
    dossierMonthlyTtcEstimate: 12.5,
  },
];

export type TargetKind = 'fixed' | 'variable' | 'option';

export interface TargetCost {
  id: string;
  label: string;
  kind: TargetKind;
  /** Monthly amount as the dossier states it. */
  monthly: number;
  basis: Basis;
  /** "~" in the dossier: an estimate, not a contract price. */
  approximate: boolean;
  /** The catalog entity the cost belongs to, when there is one. */
  node?: string;
  category: 'compute' | 'domain' | 'storage' | 'saas';
  note: string;
}

/**
 * The dossier's two VPS lines. Their prices are not kept here: the catalog
 * (`uyoop.io/monthly-price-eur` of the node whose `uyoop.io/offer` matches)
 * is the one place a node's price lives; `sovereignTargets` joins the two.
 */
export interface NodeTarget {
  id: string;
  /** The OVH offer the dossier names, matched to the catalog node with that offer. */
  offer: string;
  kind: TargetKind;
  approximate: boolean;
  note: string;
}

export const nodeTargets: NodeTarget[] = [
  {
    id: 'vps-3',
    offer: 'VPS-3',
    kind: 'fixed',
    approximate: false,
    note: 'Core node (prod), 2026 stable base',
  },
  {
    id: 'vps-2',
    offer: 'VPS-2',
    kind: 'variable',
    approximate: true,
    note: 'R&D; hourly (cloud) billing possible during tests',
  },
];

/** 2026 sovereign target (tables "Coûts Fixes" and "Coûts Variables & Options") besides the nodes, all TTC a month. */
export const targetCatalog: TargetCost[] = [
  {
    id: 'domains',
    label: 'Domains',
    kind: 'fixed',
    monthly: 10.0,
    basis: 'TTC',
    approximate: true,
    category: 'domain',
    note: 'Digital identity, centralised at OVH',
  },
  {
    id: 's3-buffer',
    label: 'S3 buffer',
    kind: 'variable',
    monthly: 3.0,
    basis: 'TTC',
    approximate: true,
    category: 'storage',
    note: 'Encrypted cold backup storage',
  },
  {
    id: 'proton-plan-b',
    label: 'Proton plan B',
    kind: 'option',
    monthly: 12.99,
    basis: 'TTC',
    approximate: false,
    category: 'saas',
    note: 'Insurance: monthly plan if the mail migration is late ("Sérénité" budget); not in the totals',
  },
];

/** The dossier's headline totals ("Total Cible Optimisé" and "Full Package"), TTC a month. */
export const dossierTotals = {
  fixedTTC: 24.28,
  optimisedTTC: 28,
  fullPackageTTC: 35,
  netSavingPercentRange: [10, 30] as const,
};

/** "Valeur Métier (Intangible)": reported as notes next to the ROI, never added to a total. */
export const intangibleNotes: string[] = [
  'Sovereignty: data 100% hosted in France, auditable code.',
  'Skills: technical proof of a cloud architect know-how and of a FinOps culture.',
  'Innovation: private LLMs without licence surcharge (e.g. Copilot at 19 USD/month saved; not counted, USD and intangible).',
  'Functional scope far larger than the legacy SaaS: dedicated compute power.',
];
