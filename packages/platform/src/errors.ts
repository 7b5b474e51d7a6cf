/** One thing wrong in catalog/, located as precisely as we can. */
export interface CatalogProblem {
  /** Path of the file, relative to the repository root. */
  file: string;
  /** `Kind name` of the entity, when the problem belongs to one. */
  entity?: string;
  /** Dotted path of the field, e.g. `spec.owner` or `metadata.annotations["uyoop.io/vcpu"]`. */
  field?: string;
  message: string;
}

export function formatProblem(p: CatalogProblem): string {
  return [p.file, p.entity, p.field, p.message].filter(Boolean).join(': ');
}

/** Thrown when catalog/ does not validate; lists every problem found, not just the first. */
export class CatalogError extends Error {
  readonly problems: CatalogProblem[];

  constructor(problems: CatalogProblem[]) {
    super(
      `catalog/ does not validate (${problems.length} problem${
        problems.length === 1 ? '' : 's'
      }):\n${problems.map(p => `  - ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'CatalogError';
    this.problems = problems;
  }
}
