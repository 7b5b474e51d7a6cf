import { readFile, readdir } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';
import { ANNOTATION_PREFIX } from './annotations';
import { CatalogError, CatalogProblem } from './errors';
import { buildPlatform } from './build';
import type { LoadedEntity, Platform } from './model';
import { validateEntity } from './validate';
import { toEntityRef } from './refs';

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

/** Where an entity points at another one, and the kind a bare name means there. */
function references(
  entity: Entity,
): { field: string; ref: string; defaultKind?: string; mustBe?: string }[] {
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const out: {
    field: string;
    ref: string;
    defaultKind?: string;
    mustBe?: string;
  }[] = [];
  const one = (field: string, value: unknown, defaultKind?: string) => {
    if (typeof value === 'string') out.push({ field, ref: value, defaultKind });
  };
  const many = (field: string, value: unknown, defaultKind?: string) => {
    if (Array.isArray(value))
      value.forEach((v, i) => one(`${field}[${i}]`, v, defaultKind));
  };
  one('spec.owner', spec.owner, 'group');
  one('spec.system', spec.system, 'system');
  one('spec.domain', spec.domain, 'domain');
  one('spec.parent', spec.parent, 'group');
  many('spec.children', spec.children, 'group');
  many('spec.memberOf', spec.memberOf, 'group');
  many('spec.dependsOn', spec.dependsOn);
  many('spec.dependencyOf', spec.dependencyOf);
  const annotations = entity.metadata.annotations ?? {};
  const nodes = annotations[`${ANNOTATION_PREFIX}node`];
  nodes?.split(',').forEach(n =>
    out.push({
      field: `metadata.annotations["${ANNOTATION_PREFIX}node"]`,
      ref: `resource:${n}`,
      mustBe: 'node',
    }),
  );
  annotations[`${ANNOTATION_PREFIX}deploys`]?.split(',').forEach(r =>
    out.push({
      field: `metadata.annotations["${ANNOTATION_PREFIX}deploys"]`,
      ref: r,
    }),
  );
  return out;
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
    for (const r of references(l.entity)) {
      let target: string;
      try {
        target = toEntityRef(r.ref, r.defaultKind);
      } catch (e) {
        problems.push({
          file: l.file,
          entity: describe(l.entity),
          field: r.field,
          message: (e as Error).message,
        });
        continue;
      }
      const found = byRef.get(target);
      if (!found) {
        problems.push({
          file: l.file,
          entity: describe(l.entity),
          field: r.field,
          message: `refers to ${target}, which is not in the catalog`,
        });
      } else if (r.mustBe && found.entity.spec?.type !== r.mustBe) {
        problems.push({
          file: l.file,
          entity: describe(l.entity),
          field: r.field,
          message: `${target} is not a ${r.mustBe}`,
        });
      }
    }
  }
  return problems;
}
