import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import { CatalogError, loadPlatform, Platform } from '@internal/platform';
import {
  addCatalogFile,
  copyCatalog,
  processingErrors,
  startCatalog,
  TestCatalog,
  until,
} from './testUtils';
import { describeProblem } from './UyoopEntityProcessor';

jest.setTimeout(180_000);

/** Three services, each with one mistake `yarn uyoop catalog validate` rejects. */
const BROKEN = `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: unknown-key
  annotations:
    backstage.io/kubernetes-namespace: prod-web
    uyoop.io/node: core-prod
    uyoop.io/storage-tier: nvme
    uyoop.io/backup: velero
    uyoop.io/runtime: k3s
    uyoop.io/colour: blue
spec: {type: service, lifecycle: production, owner: admins, system: web}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: unknown-node
  annotations:
    backstage.io/kubernetes-namespace: prod-web
    uyoop.io/node: core-staging
    uyoop.io/storage-tier: nvme
    uyoop.io/backup: velero
    uyoop.io/runtime: k3s
spec: {type: service, lifecycle: production, owner: admins, system: web}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: no-namespace
  annotations:
    uyoop.io/node: core-prod
    uyoop.io/storage-tier: nvme
    uyoop.io/backup: velero
    uyoop.io/runtime: k3s
spec: {type: service, lifecycle: production, owner: admins, system: web}
`;

const entityPath = (ref: string) => {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  return `/api/catalog/entities/by-name/${kind}/${namespace}/${name}`;
};

/** Every entity of the catalog once the catalog has processed and stitched them all. */
async function settled(
  catalog: TestCatalog,
  refs: string[],
  ready: (e: Entity) => boolean = () => true,
): Promise<Map<string, Entity>> {
  // A missing target counts as a mistake only 20 s after it was first seen missing.
  return until(
    `the catalog to hold ${refs.length} entities`,
    async () => {
      const entities = await Promise.all(
        refs.map(r =>
          catalog.get<Entity>(entityPath(r)).catch(() => undefined),
        ),
      );
      if (entities.some(e => !e || !ready(e))) return undefined;
      return new Map(refs.map((r, i) => [r, entities[i]!]));
    },
    100_000,
  );
}

describe('the portal catalog with the uyoop module, on a catalog with mistakes', () => {
  let root: string;
  let cliRoot: string;
  let catalog: TestCatalog;
  let cliProblems: CatalogError['problems'];
  let valid: Platform;
  /** Every error each entity showed at any time since the catalog started. */
  const seen = new Map<string, Set<string>>();
  let sampling = true;
  let sampler: Promise<void>;

  beforeAll(async () => {
    valid = await loadPlatform();
    // What the command line says of the same files.
    cliRoot = await copyCatalog();
    await addCatalogFile(cliRoot, 'broken.yaml', BROKEN);
    cliProblems = await loadPlatform({ root: cliRoot }).then(
      () => [],
      (e: CatalogError) => e.problems,
    );
    // The portal reads the broken file as a Location of its own, which it
    // may read before catalog/: no entity may show an error it does not have.
    root = await copyCatalog();
    await writeFile(join(root, 'broken.yaml'), BROKEN);
    catalog = await startCatalog({
      root,
      withModule: true,
      extraLocations: [join(root, 'broken.yaml')],
    });
    sampler = (async () => {
      while (sampling) {
        const { items } = await catalog
          .get<{ items: Entity[] }>('/api/catalog/entities/by-query?limit=1000')
          .catch(() => ({ items: [] as Entity[] }));
        for (const e of items) {
          const ref = `${e.kind.toLowerCase()}:default/${e.metadata.name}`;
          for (const error of processingErrors(e)) {
            seen.set(ref, (seen.get(ref) ?? new Set()).add(error));
          }
        }
        await new Promise(r => setTimeout(r, 200));
      }
    })();
  });

  afterAll(async () => {
    sampling = false;
    await sampler;
    await catalog?.stop();
    await rm(root, { recursive: true, force: true });
    await rm(cliRoot, { recursive: true, force: true });
  });

  it.each([
    [
      'unknown-key',
      'metadata.annotations["uyoop.io/colour"]: unknown annotation (see catalog/README.md)',
    ],
    [
      'unknown-node',
      'metadata.annotations["uyoop.io/node"]: refers to resource:default/core-staging, which is not in the catalog',
    ],
    [
      'no-namespace',
      'metadata.annotations["backstage.io/kubernetes-namespace"]: is required',
    ],
  ])(
    'shows %s with the processing error naming the field, in the words of the command line',
    async (name, expected) => {
      const ref = `component:default/${name}`;
      const entity = (
        await settled(catalog, [ref], e => processingErrors(e).length > 0)
      ).get(ref)!;
      expect(processingErrors(entity)).toEqual([expected]);
      const cli = cliProblems
        .filter(p => p.entity === `Component ${name}`)
        .map(describeProblem);
      expect(processingErrors(entity)).toEqual(cli);
    },
  );

  it('places none of the broken services on a node: core-prod hosts what the loader places there', async () => {
    const ref = 'resource:default/core-prod';
    const placed = valid.relations
      .filter(r => r.source === ref && r.type === 'hosts')
      .map(r => r.target)
      .sort();
    const hosts = (e: Entity) =>
      (e.relations ?? [])
        .filter(r => r.type === 'hosts')
        .map(r => r.targetRef)
        .sort();
    const core = (
      await settled(catalog, [ref], e => hosts(e).length >= placed.length)
    ).get(ref)!;
    expect(hosts(core)).toEqual(placed);
    expect(hosts(core)).not.toContain('component:default/unknown-key');
  });

  it('never showed an error on a valid entity, nor one a broken entity does not have, while reading', async () => {
    const broken = ['unknown-key', 'unknown-node', 'no-namespace'].map(
      n => `component:default/${n}`,
    );
    const final = await settled(
      catalog,
      broken,
      e => processingErrors(e).length > 0,
    );
    const entities = await settled(
      catalog,
      valid.entities.map(e => e.ref),
    );
    for (const [ref, entity] of entities) {
      expect({ ref, errors: processingErrors(entity) }).toEqual({
        ref,
        errors: [],
      });
    }
    const wrong = [...seen].flatMap(([ref, errors]) =>
      [...errors]
        .filter(
          e => !processingErrors(final.get(ref) ?? ({} as Entity)).includes(e),
        )
        .map(e => `${ref}: ${e}`),
    );
    expect(wrong).toEqual([]);
  });
});
