import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { loadPlatform } from '@internal/platform';
import { accessRules } from '@internal/plugin-uyoop-finops-node';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  ovhFixtureAccount,
  OvhContractServer,
  startOvhContractServer,
  trustContractServer,
} from '@internal/plugin-uyoop-finops-node/src/testUtils';
// The portal's own policy module, not a stand-in: the routes are judged by its rules.
import { UyoopPermissionPolicy } from '../../../packages/backend/src/permissionPolicy';
import {
  BackendDatabaseConfig,
  databaseEngines,
  testDatabases,
} from '@internal/testbed/src/databases';
import { finopsPlugin } from './plugin';

// Both users as catalog/org.yaml has them: guest in developers, cjenkins in finance.
const developer = 'user:default/guest';
const finance = 'user:default/cjenkins';

/**
 * The permission service, deciding with the portal's policy. The user's
 * ownership claims are the user and its groups from the catalog, as the
 * sign-in resolver issues them.
 */
let catalog: ReturnType<typeof loadPlatform> | undefined;
const policy = new UyoopPermissionPolicy({
  logger: mockServices.logger.mock(),
});
const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) => {
    const user = (credentials.principal as { userEntityRef?: string })
      .userEntityRef;
    const platform = await (catalog ??= loadPlatform());
    const entity = platform.entities.find(e => e.ref === user)?.entity;
    const groups = ((entity?.spec?.memberOf as string[] | undefined) ?? []).map(
      g => `group:default/${g}`,
    );
    return Promise.all(
      requests.map(r =>
        'permission' in r
          ? (policy.handle(
              { permission: r.permission },
              user
                ? {
                    credentials: credentials as any,
                    info: {
                      userEntityRef: user,
                      ownershipEntityRefs: [user, ...groups],
                    },
                  }
                : undefined,
            ) as Promise<any>)
          : Promise.resolve({ result: AuthorizeResult.DENY }),
      ),
    );
  },
});

const databases = testDatabases();

describe.each(databaseEngines)('finops backend routes on %s', engine => {
  let server: OvhContractServer;
  let base: string;
  let stop: () => Promise<void>;
  let database: BackendDatabaseConfig;
  const get = (path: string, user?: string) =>
    fetch(`${base}${path}`, {
      headers: user ? { Authorization: mockCredentials.user.header(user) } : {},
    });

  beforeAll(async () => {
    server = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: ovhFixtureAccount(['2026-09', '2026-10']),
    });
    trustContractServer(server);
    process.env.OVH_APPLICATION_KEY = FIXTURE_KEYS.appKey;
    process.env.OVH_APPLICATION_SECRET = FIXTURE_KEYS.appSecret;
    process.env.OVH_CONSUMER_KEY = FIXTURE_KEYS.consumerKey;
    database = await databases.config(engine);
    const backend = await startTestBackend({
      features: [
        finopsPlugin,
        permissions.factory,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({
          data: {
            backend: { database },
            finops: { ovhApi: { host: server.host, port: server.port } },
          },
        }),
      ],
    });
    const address = backend.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}/api/finops`;
    stop = () => backend.stop();
    const ingest = await fetch(`${base}/ingest`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.user.header(finance),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ periods: ['2026-09', '2026-10'] }),
    });
    expect(ingest.status).toBe(200);
    // Starting a backend takes seconds on a loaded machine.
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    await server?.close();
    delete process.env.OVH_APPLICATION_KEY;
    delete process.env.OVH_APPLICATION_SECRET;
    delete process.env.OVH_CONSUMER_KEY;
  });

  it('keeps the ingested lines in the backend database', async () => {
    const { invoices } = await (await get('/invoices', finance)).json();
    expect(invoices.length).toBeGreaterThan(0);
    if (database.client === 'pg') {
      // Production's database: the lines are in the FinOps plugin's own database.
      const [{ lines }] = await databases.pluginRows(
        database,
        'finops',
        'select count(*)::int as lines from finops_cost_lines',
      );
      expect(lines).toBeGreaterThan(0);
    }
  });

  it('403 on invoice details for a developer', async () => {
    const { invoices } = await (await get('/invoices', developer)).json();
    const res = await get(`/invoices/${invoices[0].billId}`, developer);
    expect(res.status).toBe(403);
    expect((await res.json()).error.name).toBe('NotAllowedError');
  });

  it('200 on invoice details for finance, every line HT, VAT and TTC', async () => {
    const { invoices } = await (await get('/invoices', finance)).json();
    const res = await get(`/invoices/${invoices[0].billId}`, finance);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.lines.map((l: { amountTTC: number }) => l.amountTTC)).toEqual([
      14.28, 7.2, 5.004, 4.992, 3,
    ]);
  });

  it('200 legacy against sovereign measured from the invoices, with the dossier legacy figure', async () => {
    const body = await (await get('/reports/legacy', developer)).json();
    expect(body.legacy.annualHT).toBe(395.12);
    expect(body.estimate).toBe(false);
    expect(body.sovereign.fullPackageTTC).toBe(34.48);
  });

  it('400 when a period is malformed', async () => {
    const res = await get('/reports/monthly?from=2026-13', developer);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/from must be YYYY-MM/);
  });

  it('404 on an unknown invoice for finance', async () => {
    expect((await get('/invoices/FR0', finance)).status).toBe(404);
  });

  it('refuses /metrics without a token (metrics.test.ts checks the static token with the real auth)', async () => {
    expect([401, 403]).toContain((await get('/metrics')).status);
  });
});
