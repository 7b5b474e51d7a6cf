import { rm } from 'node:fs/promises';
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

jest.setTimeout(120_000);

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
  return until(`the catalog to hold ${refs.length} entities`, async () => {
    const entities = await Promise.all(
      refs.map(r => catalog.get<Entity>(entityPath(r)).catch(() => undefined)),
    );
    if (entities.some(e => !e || !ready(e))) return undefined;
    return new Map(refs.map((r, i) => [r, entities[i]!]));
  });
}

describe('the portal catalog with the uyoop module, on a catalog with mistakes', () => {
  let root: string;
  let catalog: TestCatalog;
  let cliProblems: CatalogError['problems'];
  let valid: Platform;

  beforeAll(async () => {
    valid = await loadPlatform();
    root = await copyCatalog();
    await addCatalogFile(root, 'broken.yaml', BROKEN);
    cliProblems = await loadPlatform({ root }).then(
      () => [],
      (e: CatalogError) => e.problems,
    );
    catalog = await startCatalog({ root, withModule: true });
  });

  afterAll(async () => {
    await catalog?.stop();
    await rm(root, { recursive: true, force: true });
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

  it('places none of the broken services on a node', async () => {
    const core = await catalog.get<Entity>(
      entityPath('resource:default/core-prod'),
    );
    const hosted = (core.relations ?? [])
      .filter(r => r.type === 'hosts')
      .map(r => r.targetRef);
    expect(hosted).not.toContain('component:default/unknown-key');
    expect(hosted).not.toContain('component:default/no-namespace');
  });

  it('leaves every valid entity without a processing error', async () => {
    const refs = valid.entities.map(e => e.ref);
    const entities = await settled(catalog, refs);
    // Re-read once every broken entity shows its error: processing is then complete.
    await settled(
      catalog,
      ['unknown-key', 'unknown-node', 'no-namespace'].map(
        n => `component:default/${n}`,
      ),
      e => processingErrors(e).length > 0,
    );
    for (const ref of refs) {
      expect({ ref, errors: processingErrors(entities.get(ref)!) }).toEqual({
        ref,
        errors: [],
      });
    }
  });
});
