import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendFeature,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { k8sCli } from '@internal/k8s';
import {
  devToProdPaths,
  INTERNET,
  ReachabilityReport,
} from '@internal/plugin-uyoop-platform-common';
import { platformPlugin } from './plugin';
import { catalogReachability } from './report';
import { createRouter } from './router';

// Starting a backend and loading the catalog take seconds on a loaded machine.
jest.setTimeout(60_000);

async function start(feature: BackendFeature) {
  const backend = await startTestBackend({
    features: [
      feature,
      // A request without a token is anonymous, as in the portal (the mock's default is a user).
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
  });
  const { port } = backend.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}/api/platform`;
  return {
    get: (authorization?: string) =>
      fetch(`${base}/reachability`, {
        headers: authorization ? { Authorization: authorization } : {},
      }),
    stop: () => backend.stop(),
  };
}

describe('GET /reachability on the repository catalog', () => {
  let backend: Awaited<ReturnType<typeof start>>;
  let report: ReachabilityReport;

  beforeAll(async () => {
    backend = await start(platformPlugin);
    const res = await backend.get(mockCredentials.user.header());
    expect(res.status).toBe(200);
    report = await res.json();
  });

  afterAll(() => backend.stop());

  it('200 with the matrix `yarn uyoop k8s reachability --json` prints', async () => {
    const out: string[] = [];
    const code = await k8sCli(['reachability', '--json'], {
      out: line => out.push(line),
      err: line => out.push(line),
    });
    expect(code).toBe(0);
    const cli = JSON.parse(out.join('\n'));
    expect({
      sources: report.sources,
      destinations: report.destinations,
      allowed: report.allowed,
      query: report.query,
    }).toEqual(cli);
    expect(report.destinations).toContain(INTERNET);
  });

  it.each(['dev-lab', 'ai-lab'])(
    '200: %s, a dev-tier namespace, reaches no prod-* namespace',
    dev => {
      expect(report.tiers[dev]).toBe('dev');
      const prod = report.sources.filter(s => s.startsWith('prod-'));
      expect(prod.length).toBeGreaterThanOrEqual(3);
      expect(prod.filter(p => report.allowed[dev][p])).toEqual([]);
      expect(report.ports[dev][INTERNET]).toBeUndefined();
    },
  );

  it('200: no dev-tier namespace reaches any prod-tier one', () => {
    expect(report.tiers['prod-web']).toBe('prod');
    expect(devToProdPaths(report)).toEqual([]);
  });

  it.each([
    ['prod-cloud', ['9205/TCP']],
    ['platform', ['7007/TCP']],
    ['velero', ['8085/TCP']],
    ['cert-manager', ['9402/TCP']],
    ['devops-factory', ['9168/TCP', '9252/TCP']],
    ['ai-lab', ['6333/TCP']],
  ])(
    '200: monitoring reaches %s on its scrape ports %j alone',
    (namespace, ports) => {
      expect(report.ports.monitoring[namespace]).toEqual(ports);
      // The scrape goes one way: the target does not reach back.
      expect(report.allowed[namespace].monitoring).toBe(false);
    },
  );

  it('200: the internet column holds the ports each namespace may open outside', () => {
    expect(report.ports.monitoring[INTERNET]).toEqual(['80/TCP', '443/TCP']);
    expect(report.ports.backup[INTERNET]).toEqual(['443/TCP']);
    expect(report.allowed['prod-mail'][INTERNET]).toBe(false);
  });

  it('401 without credentials', async () => {
    expect((await backend.get()).status).toBe(401);
  });

  it('403 for a service: the matrix is for signed-in users', async () => {
    expect((await backend.get(mockCredentials.service.header())).status).toBe(
      403,
    );
  });
});

describe('GET /reachability without a readable catalog', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'uyoop-no-catalog-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('503 naming the cause', async () => {
    // The plugin's wiring, on an empty folder instead of the repository.
    const onEmptyFolder = createBackendPlugin({
      pluginId: 'platform',
      register(env) {
        env.registerInit({
          deps: {
            httpRouter: coreServices.httpRouter,
            httpAuth: coreServices.httpAuth,
          },
          async init({ httpRouter, httpAuth }) {
            const report = catalogReachability({ root });
            report.catch(() => {});
            httpRouter.use(
              await createRouter({ httpAuth, reachability: () => report }),
            );
          },
        });
      },
    });
    const backend = await start(onEmptyFolder);
    try {
      const res = await backend.get(mockCredentials.user.header());
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error.message).toMatch(
        /^the reachability matrix could not be computed from the catalog: /,
      );
    } finally {
      await backend.stop();
    }
  });
});
