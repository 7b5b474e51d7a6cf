/*
 * Integration: the real backend process, started on the embedded default
 * (app-config.yaml) on a free port, serves the uyoop catalog to a guest.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlatform, repoRoot, Service } from '@internal/platform';
import { until } from '@internal/testbed';
import { startEmbeddedBackend } from './testing/services';

jest.setTimeout(180_000);

describe('the portal backend on the embedded default', () => {
  let backend: Service;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    let guestToken: () => Promise<string>;
    ({ backend, baseUrl, guestToken } = await startEmbeddedBackend());
    token = await guestToken();
  });

  afterAll(async () => {
    await backend?.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  it('signs the guest in as the catalog user guest, a developer', async () => {
    // Until the catalog has ingested user:default/guest, the guest gets a bare
    // identity; once it has, the identity carries the user's groups.
    const identity = await until('guest identity with its groups', async () => {
      const res = await fetch(
        `${baseUrl}/api/auth/guest/refresh?env=development`,
        {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        },
      );
      const { backstageIdentity } = await res.json();
      return backstageIdentity.identity.ownershipEntityRefs.length > 1
        ? backstageIdentity.identity
        : undefined;
    });
    expect(identity.userEntityRef).toBe('user:default/guest');
    expect(identity.ownershipEntityRefs).toContain('group:default/developers');
  });

  it('refuses the catalog without a token', async () => {
    const res = await fetch(`${baseUrl}/api/catalog/entities`);
    expect(res.status).toBe(401);
  });

  it('returns exactly the entities of catalog/ and the templates of templates/', async () => {
    const platform = await loadPlatform();
    // catalog/, and the golden paths' templates (templates/*/template.yaml).
    const templates = (
      await readdir(join(repoRoot, 'templates'), { withFileTypes: true })
    )
      .filter(d => d.isDirectory())
      .map(d => `template:default/${d.name}`);
    const expected = [
      ...platform.entities.map(e => e.ref),
      ...templates,
    ].sort();
    const refs = (entities: any[]) =>
      entities
        .filter(e => e.kind !== 'Location')
        .map(e =>
          `${e.kind}:${e.metadata.namespace}/${e.metadata.name}`.toLocaleLowerCase(
            'en-US',
          ),
        )
        .sort();
    // The catalog ingests asynchronously after start: wait until it settles on the full set.
    const actual = await until(
      'the catalog to ingest catalog/',
      async () => {
        const got = refs(await get('/api/catalog/entities'));
        return got.length >= expected.length ? got : undefined;
      },
      120_000,
    );
    expect(actual).toEqual(expected);
  });

  it('resolves the relations: core-prod hosts Mailcow and Nextcloud, Nextcloud depends on its bucket', async () => {
    const coreProd = await get(
      '/api/catalog/entities/by-name/resource/default/core-prod',
    );
    const dependents = coreProd.relations
      .filter((r: any) => r.type === 'dependencyOf')
      .map((r: any) => r.targetRef);
    expect(dependents).toEqual(
      expect.arrayContaining([
        'component:default/mailcow',
        'component:default/nextcloud',
      ]),
    );
    expect(coreProd.metadata.annotations['uyoop.io/vcpu']).toBe('8');

    const nextcloud = await get(
      '/api/catalog/entities/by-name/component/default/nextcloud',
    );
    const dependsOn = nextcloud.relations
      .filter((r: any) => r.type === 'dependsOn')
      .map((r: any) => r.targetRef);
    expect(dependsOn).toContain('resource:default/nextcloud-data');
    const bucket = await get(
      '/api/catalog/entities/by-name/resource/default/nextcloud-data',
    );
    expect(bucket.relations).toContainEqual(
      expect.objectContaining({
        type: 'dependencyOf',
        targetRef: 'component:default/nextcloud',
      }),
    );
  });
});
