/*
 * Integration: the real backend process, started on the embedded default
 * (app-config.yaml) on a free port, serves the uyoop catalog to a guest.
 */
import { join } from 'node:path';
import { loadPlatform, repoRoot, Service } from '@internal/platform';
import { until } from '@internal/testbed';
import { freePort, startBackend } from './testing/services';

jest.setTimeout(180_000);

describe('the portal backend on the embedded default', () => {
  let backend: Service;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    backend = startBackend(
      [
        join(repoRoot, 'app-config.yaml'),
        join(repoRoot, 'app-config.guest.yaml'),
      ],
      {
        ...process.env,
        NODE_ENV: 'development',
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_baseUrl: baseUrl,
      },
    );
    const output = () => backend.output();
    try {
      await until(
        'backend readiness',
        async () => {
          if (backend.exitCode() !== undefined)
            throw new Error(`backend exited:\n${output().slice(-3000)}`);
          const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
          return res.ok ? true : undefined;
        },
        120_000,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- backend output ---\n${output().slice(
          -3000,
        )}`,
      );
    }
    const res = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=development`,
      {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      },
    );
    expect(res.status).toBe(200);
    token = (await res.json()).backstageIdentity.token;
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

  it('returns exactly the entities of catalog/', async () => {
    const platform = await loadPlatform();
    const expected = platform.entities.map(e => e.ref).sort();
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
