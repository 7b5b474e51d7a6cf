/*
 * Integration: the real backend process, on the embedded default, runs uyoop's
 * `namespace` template through the scaffolder's dry-run API, as the Create
 * page's template editor does: the template comes from the catalog, the
 * manifests from uyoop:manifests:render (the platform's generators).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, Service } from '@internal/platform';
import { until } from '@internal/testbed';
import { parse, parseAllDocuments } from 'yaml';
import { freePort, startBackend } from './testing/services';

jest.setTimeout(240_000);

interface DryRun {
  status: number;
  body: {
    log?: { body: { message: string; status?: string } }[];
    directoryContents?: { path: string; base64Content: string }[];
    output?: { text?: { title: string; content: string }[] };
    error?: { message: string };
    errors?: { stack?: string; message?: string; property?: string }[];
  };
}

/** The form's schema is checked again by the server: a 400 naming the field, before any step runs. */
const NAME_PATTERN = /HTTP 400\ninstance\.name does not match pattern/;

describe("uyoop's golden paths through the scaffolder's dry-run API", () => {
  let backend: Service;
  let baseUrl: string;
  let token: string;
  let template: unknown;

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
    try {
      await until(
        'backend readiness',
        async () => {
          if (backend.exitCode() !== undefined)
            throw new Error(
              `backend exited:\n${backend.output().slice(-3000)}`,
            );
          const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
          return res.ok ? true : undefined;
        },
        120_000,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- backend output ---\n${backend
          .output()
          .slice(-3000)}`,
      );
    }
    const signIn = async () => {
      const res = await fetch(
        `${baseUrl}/api/auth/guest/refresh?env=development`,
        {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        },
      );
      return (await res.json()).backstageIdentity.token as string;
    };
    // The guest is a developer once the catalog holds it: sign in again then.
    token = await signIn();
    await until(
      'the guest user in the catalog',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/user/default/guest`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        );
        return res.ok ? true : undefined;
      },
      90_000,
    );
    token = await signIn();
    template = parse(
      await readFile(
        join(repoRoot, 'templates', 'namespace', 'template.yaml'),
        'utf8',
      ),
    );
  });

  afterAll(async () => {
    await backend?.stop();
  });

  const dryRun = async (values: Record<string, unknown>): Promise<DryRun> => {
    const res = await fetch(`${baseUrl}/api/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        template,
        values,
        secrets: {},
        directoryContents: [],
      }),
    });
    return { status: res.status, body: await res.json() };
  };

  /** What a failed run says: the API's error, or the failing step's log lines. */
  const failure = (r: DryRun) =>
    [
      `HTTP ${r.status}`,
      r.body.error?.message,
      ...(r.body.errors ?? []).map(e => e.stack ?? e.message),
      ...(r.body.log ?? []).map(l => l.body.message),
    ]
      .filter(Boolean)
      .join('\n');

  const valid = {
    name: 'dev-sandbox',
    tier: 'dev',
    owner: 'group:default/developers',
    system: 'system:default/ai-lab',
  };

  it('is in the catalog, where the Create page lists it', async () => {
    const entity = await until(
      'the namespace template in the catalog',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/template/default/namespace`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        );
        return res.ok
          ? ((await res.json()) as {
              metadata: { title: string; description: string };
            })
          : undefined;
      },
      60_000,
    );
    expect(entity.metadata.title).toBe('Environment namespace');
    expect(entity.metadata.description).toMatch(/default-deny NetworkPolicies/);
  });

  it('renders a dev namespace: tier labels, quota, limits and default-deny policies', async () => {
    const r = await dryRun(valid);
    expect(r.status).toBe(200);
    expect(r.body.directoryContents!.map(f => f.path)).toEqual([
      'manifests/dev-sandbox.yaml',
    ]);
    const file = r.body.directoryContents!.find(
      f => f.path === 'manifests/dev-sandbox.yaml',
    );
    const objects = parseAllDocuments(
      Buffer.from(file!.base64Content, 'base64').toString('utf8'),
    ).map(
      d =>
        d.toJSON() as {
          kind: string;
          metadata: {
            name: string;
            namespace?: string;
            labels?: Record<string, string>;
          };
          spec?: any;
        },
    );
    expect(
      objects.find(o => o.kind === 'Namespace')!.metadata.labels,
    ).toMatchObject({
      'uyoop.io/tier': 'dev',
      'uyoop.io/owner': 'developers',
      'uyoop.io/cost-centre': 'ai-lab',
    });
    expect(
      objects.find(o => o.kind === 'ResourceQuota')!.spec.hard[
        'services.nodeports'
      ],
    ).toBe('0');
    const denyAll = objects.find(
      o =>
        o.kind === 'NetworkPolicy' &&
        Object.keys(o.spec.podSelector).length === 0 &&
        o.spec.policyTypes.includes('Egress') &&
        !o.spec.egress?.length,
    );
    expect(denyAll).toBeDefined();
    expect(
      objects.every(
        o => o.kind === 'Namespace' || o.metadata.namespace === 'dev-sandbox',
      ),
    ).toBe(true);
    expect(r.body.output!.text![0].content).toBe(
      `${objects.length} objects in \`manifests/dev-sandbox.yaml\``,
    );
  });

  it.each([
    [
      'a name with a shell command',
      { ...valid, name: 'dev;rm -rf /' },
      NAME_PATTERN,
    ],
    [
      'a name with a substitution',
      { ...valid, name: 'dev-$(id)' },
      NAME_PATTERN,
    ],
    ['a name with a newline', { ...valid, name: 'dev\nlab' }, NAME_PATTERN],
    ['a name that breaks YAML', { ...valid, name: 'dev: [oops' }, NAME_PATTERN],
    [
      'an unknown owner',
      { ...valid, owner: 'group:default/nobody' },
      /owner: nobody is not a catalog Group/,
    ],
    [
      'an unknown system',
      { ...valid, system: 'system:default/shop' },
      /system: shop is not a catalog System/,
    ],
    [
      'a tier that is neither dev nor prod',
      { ...valid, tier: 'staging' },
      /HTTP 400\ninstance\.tier is not one of enum values: dev,prod/,
    ],
    [
      'a namespace that exists',
      { ...valid, name: 'prod-web', tier: 'prod' },
      /name: namespace prod-web already exists/,
    ],
  ])(
    'refuses %s on the server, naming the field, and writes nothing',
    async (_what, values, message) => {
      const r = await dryRun(values);
      expect(failure(r)).toMatch(message);
      expect(
        (r.body.directoryContents ?? []).filter(f =>
          f.path.startsWith('manifests/'),
        ),
      ).toEqual([]);
    },
  );
});
