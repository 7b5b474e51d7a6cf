import {
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { accessRules } from '@internal/plugin-uyoop-finops-node';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  ovhFixtureAccount,
  OvhContractServer,
  startOvhContractServer,
  trustContractServer,
} from '@internal/plugin-uyoop-finops-node/src/testUtils';
import { finopsPlugin } from './plugin';

/** A test-only token, as Prometheus would present it (backend.auth.externalAccess). */
const TOKEN = 'finops-metrics-test-token-6d1f0c2a';

describe('/api/finops/metrics', () => {
  let server: OvhContractServer;
  let base: string;
  let stop: () => Promise<void>;
  const scrape = (token?: string) =>
    fetch(`${base}/metrics`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
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
    const backend = await startTestBackend({
      features: [
        finopsPlugin,
        // The real token handling of the portal, not the mock one.
        authServiceFactory,
        httpAuthServiceFactory,
        mockServices.permissions.factory(),
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              auth: {
                externalAccess: [
                  {
                    type: 'static',
                    options: { token: TOKEN, subject: 'prometheus-finops' },
                    accessRestrictions: [{ plugin: 'finops' }],
                  },
                ],
              },
            },
            finops: { ovhApi: { host: server.host, port: server.port } },
          },
        }),
      ],
    });
    base = `http://127.0.0.1:${
      (backend.server.address() as { port: number }).port
    }/api/finops`;
    stop = () => backend.stop();
    // An ingestion (as the scheduled task runs it) stores the gauges.
    const ingest = await fetch(`${base}/ingest`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
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

  it('401 on a scrape without the token, or with a wrong one', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('not-the-token')).status).toBe(401);
  });

  it('200 with the token, served from the store: no OVH call however often it is scraped', async () => {
    const calls = server.requests.length;
    for (let i = 0; i < 5; i++) {
      const res = await scrape(TOKEN);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(
        /uyoop_finops_legacy_month_eur\{basis="TTC"\} 39.51/,
      );
      expect(text).toMatch(
        /uyoop_finops_budget_ratio\{budget="sovereign platform \(full package\)"\}/,
      );
      expect(text).toMatch(/uyoop_finops_estimate 0/);
      expect(text).toMatch(/uyoop_finops_metrics_refreshed_timestamp_seconds \d+/);
    }
    expect(server.requests.length).toBe(calls);
  });
});
