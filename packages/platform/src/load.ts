import { readFile, readdir } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';
import { CatalogError, CatalogProblem } from './errors';
import { buildPlatform } from './build';
import type { LoadedEntity, Platform } from './model';
import { validateEntity } from './validate';
import { referenceProblem, resolveReferences } from './references';

const ROOT_LOCATION = 'catalog-info.yaml';
const CATALOG_DIR = 'catalog';

export interface LoadOptions {
  /** Repository root, holding catalog-info.yaml and catalog/. Defaults to the monorepo root. */
  root?: string;
}

/** The monorepo root, found from this file's place in packages/platform/src. */
export const repoRoot = resolve(__dirname, '..', '..', '..');

const describe = (e: Partial<Entity>) =>
  `${e.kind ?? '(no kind)'} ${e.metadata?.name ?? '(no name)'}`;

/** Reads the files the root Location lists, and checks that none of catalog/ is left out. */
async function catalogFiles(
  root: string,
  problems: CatalogProblem[],
): Promise<string[]> {
  const docs = parseAllDocuments(
    await readFile(join(root, ROOT_LOCATION), 'utf8'),
  );
  const targets = docs
    .flatMap(d => (d.toJS()?.spec?.targets ?? []) as string[])
    .map(t => posix.normalize(t));
  const listed = new Set(targets);
  for (const f of (await readdir(join(root, CATALOG_DIR))).filter(n =>
    n.endsWith('.yaml'),
  )) {
    const path = posix.join(CATALOG_DIR, f);
    if (!listed.has(path)) {
      problems.push({
        file: path,
        message: `not listed in ${ROOT_LOCATION}, so the portal would never read it`,
      });
    }
  }
  return targets;
}

/**
 * Loads catalog/ exactly as the portal does (through the root Location),
 * validates every entity with the Backstage model and the uyoop annotation
 * schemas, checks that every reference resolves, and returns the typed model.
 * Throws a CatalogError listing every problem, each naming file, entity and field.
 */
export async function loadPlatform(
  options: LoadOptions = {},
): Promise<Platform> {
  const root = options.root ?? repoRoot;
  const problems: CatalogProblem[] = [];
  const loaded: LoadedEntity[] = [];
  for (const file of await catalogFiles(root, problems)) {
    let text: string;
    try {
      text = await readFile(join(root, file), 'utf8');
    } catch {
      problems.push({
        file,
        message: `listed in ${ROOT_LOCATION} but cannot be read`,
      });
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        for (const err of doc.errors) {
          problems.push({
            file,
            message: `YAML: ${err.message.split('\n')[0]} (line ${
              err.linePos?.[0].line ?? '?'
            })`,
          });
        }
        continue;
      }
      const entity = doc.toJS() as Entity;
      if (!entity || typeof entity !== 'object') continue;
      for (const p of await validateEntity(entity)) {
        problems.push({ file, entity: describe(entity), ...p });
      }
      if (entity.metadata?.name && entity.kind) {
        loaded.push({ ref: stringifyEntityRef(entity), file, entity });
      }
    }
  }
  problems.push(...checkReferences(loaded));
  if (problems.length) throw new CatalogError(problems);
  const { platform, problems: modelProblems } = buildPlatform(loaded);
  if (modelProblems.length) throw new CatalogError(modelProblems);
  return platform;
}

function checkReferences(loaded: LoadedEntity[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const byRef = new Map<string, LoadedEntity>();
  for (const l of loaded) {
    const twin = byRef.get(l.ref);
    if (twin) {
      problems.push({
        file: l.file,
        entity: describe(l.entity),
        message: `duplicates the entity defined in ${twin.file}`,
      });
    }
    byRef.set(l.ref, l);
  }
  for (const l of loaded) {
    for (const r of resolveReferences(l.entity)) {
      const problem = referenceProblem(
        r,
        r.target ? byRef.get(r.target)?.entity : undefined,
      );
      if (problem) {
        problems.push({ file: l.file, entity: describe(l.entity), ...problem });
      }
    }
  }
  return problems;
}
