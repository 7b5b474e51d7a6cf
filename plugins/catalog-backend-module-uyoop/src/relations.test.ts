import type { Entity } from '@backstage/catalog-model';
import { loadPlatform, Platform, repoRoot } from '@internal/platform';
import {
  processingErrors,
  startCatalog,
  TestCatalog,
  until,
} from './testUtils';

jest.setTimeout(120_000);

const relationKey = (type: string, target: string) => `${type} ${target}`;

describe('the portal catalog with the uyoop module, on catalog/', () => {
  let catalog: TestCatalog;
  let platform: Platform;
  let portal: Map<string, Entity>;

  beforeAll(async () => {
    platform = await loadPlatform();
    catalog = await startCatalog({ root: repoRoot, withModule: true });
    const refs = platform.entities.map(e => e.ref);
    const expected = (ref: string) =>
      platform.relations.filter(r => r.source === ref).length;
    // Stitching is done when every entity carries as many relations as the loader gives it.
    portal = await until(
      'every entity stitched with its relations',
      async () => {
        const { items } = await catalog.get<{ items: Entity[] }>(
          '/api/catalog/entities/by-query?limit=1000',
        );
        const byRef = new Map(
          items.map(e => [
            `${e.kind.toLowerCase()}:${e.metadata.namespace}/${
              e.metadata.name
            }`,
            e,
          ]),
        );
        const done = refs.every(
          r => (byRef.get(r)?.relations?.length ?? -1) >= expected(r),
        );
        return done ? byRef : undefined;
      },
    );
  });

  afterAll(async () => {
    await catalog?.stop();
  });

  it('gives every entity exactly the relations the loader derives', () => {
    const differences = platform.entities.flatMap(({ ref }) => {
      const fromPortal = new Set(
        (portal.get(ref)?.relations ?? []).map(r =>
          relationKey(r.type, r.targetRef),
        ),
      );
      const fromLoader = new Set(
        platform.relations
          .filter(r => r.source === ref)
          .map(r => relationKey(r.type, r.target)),
      );
      return [
        ...[...fromPortal]
          .filter(k => !fromLoader.has(k))
          .map(k => `${ref}: only in the portal: ${k}`),
        ...[...fromLoader]
          .filter(k => !fromPortal.has(k))
          .map(k => `${ref}: only in the loader: ${k}`),
      ];
    });
    expect(differences).toEqual([]);
  });

  it('shows no processing error on any entity of catalog/', () => {
    const withErrors = platform.entities
      .map(({ ref }) => ({ ref, errors: processingErrors(portal.get(ref)!) }))
      .filter(e => e.errors.length);
    expect(withErrors).toEqual([]);
  });

  it('answers GET core-prod with hosts relations to exactly what the loader places on it', async () => {
    const core = await catalog.get<Entity>(
      '/api/catalog/entities/by-name/resource/default/core-prod',
    );
    const hosts = (core.relations ?? [])
      .filter(r => r.type === 'hosts')
      .map(r => r.targetRef)
      .sort();
    const placed = platform.relations
      .filter(
        r => r.source === 'resource:default/core-prod' && r.type === 'hosts',
      )
      .map(r => r.target)
      .sort();
    expect(hosts).toEqual(placed);
    const services = platform.nodes
      .find(n => n.name === 'core-prod')!
      .services.map(s => `component:default/${s}`);
    expect(hosts).toEqual(expect.arrayContaining(services));
    expect(services.length).toBeGreaterThan(5);
  });
});
