import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsvText } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import type {
  CostCategory,
  CostLine,
} from '@internal/plugin-uyoop-finops-common';
import { isPeriod, makeLine } from './lines';

/**
 * Manual entries: costs no API reports, e.g. a domain paid at another
 * registrar or a one-off migration cost. CSV (with a header) or YAML:
 *
 *   period,category,description,amount,basis[,vat_rate,node,service]
 *   2026-03,domain,cgenti.com renewal at Gandi,15.00,HT
 *
 *   entries:
 *     - { period: 2026-02, category: one-off, description: Migration week-end, amount: 120, basis: TTC }
 */
export interface ManualEntry {
  period: string;
  category: CostCategory;
  description: string;
  amount: number;
  basis: 'HT' | 'TTC';
  vatRate?: number;
  node?: string;
  service?: string;
  /** Where the entry was read (file:line), for error messages. */
  at?: string;
}

const CATEGORIES: CostCategory[] = [
  'compute',
  'domain',
  'storage',
  'saas',
  'one-off',
  'other',
];

export class ManualEntryError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `manual cost entries are invalid, nothing was imported:\n${problems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'ManualEntryError';
  }
}

function parseCsv(
  text: string,
  where: string,
): { raw: Record<string, unknown>; at: string }[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsvText(text, {
      columns: (header: string[]) => header.map(h => h.trim().toLowerCase()),
      comment: '#',
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    });
  } catch (e) {
    throw new ManualEntryError([
      `${where}: not valid CSV (${(e as Error).message})`,
    ]);
  }
  return records.map(r => ({
    raw: r.record,
    at: `${where}:${r.info.lines}`,
  }));
}

function validate(
  raw: Record<string, unknown>,
  at: string,
  problems: string[],
): ManualEntry | undefined {
  const before = problems.length;
  const period = String(raw.period ?? '');
  if (!isPeriod(period))
    problems.push(`${at}: period must be YYYY-MM, got "${period}"`);
  const category = String(raw.category ?? '') as CostCategory;
  if (!CATEGORIES.includes(category))
    problems.push(
      `${at}: category must be one of ${CATEGORIES.join(
        ', ',
      )}, got "${category}"`,
    );
  const description = String(raw.description ?? '').trim();
  if (!description) problems.push(`${at}: description is missing`);
  const amount = Number(String(raw.amount ?? '').replace(',', '.'));
  if (raw.amount === undefined || raw.amount === '' || !Number.isFinite(amount))
    problems.push(`${at}: amount must be a number, got "${raw.amount ?? ''}"`);
  const basis = String(raw.basis ?? '').toUpperCase();
  if (basis !== 'HT' && basis !== 'TTC')
    problems.push(
      `${at}: basis must be HT or TTC, got "${
        raw.basis ?? ''
      }" (every figure says which it is)`,
    );
  const vat = raw.vat_rate ?? raw.vatRate;
  const vatRate = vat === undefined || vat === '' ? undefined : Number(vat);
  if (vatRate !== undefined && !(vatRate >= 0 && vatRate < 1))
    problems.push(
      `${at}: vat_rate must be a fraction such as 0.2, got "${vat}"`,
    );
  if (problems.length > before) return undefined;
  return {
    period,
    category,
    description,
    amount,
    basis: basis as 'HT' | 'TTC',
    vatRate,
    node: raw.node ? String(raw.node) : undefined,
    service: raw.service ? String(raw.service) : undefined,
    at,
  };
}

/** Parses CSV or YAML text; throws ManualEntryError listing every bad line, and imports nothing then. */
export function parseManualEntries(
  text: string,
  format: 'csv' | 'yaml',
  where = 'entries',
): ManualEntry[] {
  const problems: string[] = [];
  let rows: { raw: Record<string, unknown>; at: string }[];
  if (format === 'csv') rows = parseCsv(text, where);
  else {
    let doc: any;
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new ManualEntryError([
        `${where}: not valid YAML (${(e as Error).message.split('\n')[0]})`,
      ]);
    }
    const list = Array.isArray(doc) ? doc : doc?.entries;
    if (!Array.isArray(list))
      throw new ManualEntryError([`${where}: expected a list under "entries"`]);
    rows = list.map((raw: Record<string, unknown>, i: number) => ({
      raw: raw ?? {},
      at: `${where}: entries[${i}]`,
    }));
  }
  const entries = rows.map(r => validate(r.raw, r.at, problems));
  if (problems.length) throw new ManualEntryError(problems);
  return entries as ManualEntry[];
}

export async function readManualEntries(file: string): Promise<ManualEntry[]> {
  const ext = extname(file).toLowerCase();
  const format =
    ext === '.csv'
      ? 'csv'
      : ext === '.yaml' || ext === '.yml'
      ? 'yaml'
      : undefined;
  if (!format)
    throw new ManualEntryError([`${file}: use a .csv, .yaml or .yml file`]);
  return parseManualEntries(await readFile(file, 'utf8'), format, file);
}

export function manualLines(entries: ManualEntry[]): CostLine[] {
  return entries.map(e =>
    makeLine({
      period: e.period,
      source: 'manual',
      // Content-derived: the same entry imported twice is one line.
      externalId: createHash('sha1')
        .update(
          JSON.stringify([
            e.period,
            e.category,
            e.description,
            e.amount,
            e.basis,
            e.node,
            e.service,
          ]),
        )
        .digest('hex')
        .slice(0, 16),
      category: e.category,
      node: e.node,
      service: e.service,
      description: e.description,
      amount: e.amount,
      basis: e.basis,
      vatRate: e.vatRate,
    }),
  );
}
