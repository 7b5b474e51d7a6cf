import type { Entity } from '@backstage/catalog-model';
import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { catalogApiLookup, Lookup } from './catalogLookup';

const node = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name, namespace: 'default' },
  spec: { type: 'node', owner: 'admins' },
});

/** A catalog whose content the test changes, counting the requests it answers. */
function changingCatalog(entities: Entity[]) {
  const state = { entities, requests: 0, down: false };
  return {
    state,
    api: {
      async getEntitiesByRefs(request: {
        entityRefs: string[];
        fields?: string[];
      }) {
        state.requests++;
        if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:7007');
        return catalogServiceMock({
          entities: state.entities,
        }).getEntitiesByRefs(request, {
          credentials: mockCredentials.service(),
        });
      },
      async queryEntities(request: { limit?: number; fields?: string[] }) {
        if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:7007');
        return catalogServiceMock({
          entities: state.entities,
        }).queryEntities(request, {
          credentials: mockCredentials.service(),
        });
      },
    },
  };
}

const states = (m: Map<string, Lookup>) =>
  Object.fromEntries([...m].map(([ref, l]) => [ref, l.state]));

describe('catalogApiLookup', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });
  const lookupOf = (catalog: ReturnType<typeof changingCatalog>) => {
    const errors: string[] = [];
    const lookup = catalogApiLookup(
      catalog.api,
      async () => mockCredentials.service(),
      { now, onError: e => errors.push(e.message) },
    );
    return { lookup, errors };
  };

  it('finds what the catalog holds, with its spec for the type checks', async () => {
    const catalog = changingCatalog([node('core-prod')]);
    const { lookup } = lookupOf(catalog);
    const found = await lookup.find(['resource:default/core-prod']);
    expect(found.get('resource:default/core-prod')).toEqual({
      state: 'found',
      entity: { spec: { type: 'node', owner: 'admins' } },
    });
  });

  it('asks the catalog once for thousands of entities naming the same targets within 60 s', async () => {
    const catalog = changingCatalog([node('core-prod'), node('ai-lab')]);
    const { lookup } = lookupOf(catalog);
    for (let i = 0; i < 1000; i++) {
      clock += 50;
      const found = await lookup.find([
        'resource:default/core-prod',
        'resource:default/ai-lab',
      ]);
      expect(new Set(Object.values(states(found)))).toEqual(new Set(['found']));
    }
    expect(catalog.state.requests).toBe(1);
  });

  it('asks again after 60 s, so a removed target becomes a mistake after its grace', async () => {
    const catalog = changingCatalog([node('core-prod')]);
    const { lookup } = lookupOf(catalog);
    const ref = 'resource:default/core-prod';
    await lookup.find([ref]);
    catalog.state.entities = [];
    clock += 59_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'found' });
    clock += 2_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    clock += 20_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'missing' });
  });

  it('takes a target absent for less than 20 s as not read yet, and as a mistake after', async () => {
    const catalog = changingCatalog([]);
    const { lookup } = lookupOf(catalog);
    const ref = 'resource:default/core-staging';
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    clock += 19_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    clock += 1_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'missing' });
    // A mistake stays one on every later look, each from a fresh answer.
    const before = catalog.state.requests;
    clock += 100;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'missing' });
    expect(catalog.state.requests).toBe(before + 1);
  });

  it('reports no missing target while the catalog is still growing, and reports it once the catalog has kept its size for 20 s', async () => {
    const catalog = changingCatalog([node('core-prod')]);
    const { lookup } = lookupOf(catalog);
    const ref = 'resource:default/core-staging';
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    // A first read of a large catalog: entities keep arriving past the grace.
    for (let i = 0; i < 10; i++) {
      clock += 5_000;
      catalog.state.entities = [...catalog.state.entities, node(`node-${i}`)];
      expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    }
    clock += 19_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    clock += 1_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'missing' });
  });

  it('finds a target read during its grace, with no mistake reported', async () => {
    const catalog = changingCatalog([]);
    const { lookup } = lookupOf(catalog);
    const ref = 'resource:default/core-prod';
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    catalog.state.entities = [node('core-prod')];
    clock += 5_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'found' });
    clock += 30_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'found' });
  });

  it('reports no mistake while the catalog cannot be asked, and says why', async () => {
    const catalog = changingCatalog([]);
    const { lookup, errors } = lookupOf(catalog);
    const ref = 'resource:default/core-staging';
    await lookup.find([ref]);
    catalog.state.down = true;
    clock += 25_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'pending' });
    expect(errors).toEqual(['connect ECONNREFUSED 127.0.0.1:7007']);
    catalog.state.down = false;
    clock += 1_000;
    expect(states(await lookup.find([ref]))).toEqual({ [ref]: 'missing' });
  });
});
