/*
 * Integration: a normal start (`npm start`'s configuration, app-config.yaml +
 * app-config.guest.yaml) logs no error: every plugin finds what it calls at
 * start-up, including the events bus the catalog, notifications and signals
 * subscribe through.
 */
import { join } from 'node:path';
import { repoRoot } from '@internal/platform';
import { until } from '@internal/testbed';
import { freePort, Started, startBackend } from './testing/services';

jest.setTimeout(180_000);

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * Log lines at level error, requests the backend answered with a 5xx, and
 * any failed call to the events bus (a 404 there means no events backend).
 * A 404 for a catalog entity that is not ingested yet is a normal answer.
 */
function problemLines(output: string): string[] {
  return plain(output)
    .split('\n')
    .filter(
      line =>
        /^\S+ \S+ error /.test(line) ||
        // (readiness answers 503 until start-up is over: that is its job)
        /url="(?!\/\.backstage\/health)[^"]*" status=5\d\d\b/.test(line) ||
        /url="\/api\/events\/[^"]*" status=[45]\d\d\b/.test(line),
    );
}

describe('a normal start of the portal backend', () => {
  let backend: Started;
  let baseUrl: string;

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
        NO_COLOR: '1',
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_baseUrl: baseUrl,
      },
    );
    await until(
      'backend readiness',
      async () => {
        if (backend.exitCode() !== undefined)
          throw new Error(`backend exited:\n${backend.output().slice(-3000)}`);
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
        return res.ok ? true : undefined;
      },
      120_000,
    );
    // The events subscriptions are made right after start-up, and the first
    // catalog processing loop runs within seconds: both are in the log by the
    // time the catalog serves an entity of catalog/.
    await until(
      'the catalog to serve core-prod',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/auth/guest/refresh?env=development`,
          { headers: { 'x-requested-with': 'XMLHttpRequest' } },
        );
        const token = (await res.json()).backstageIdentity.token;
        const entity = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/resource/default/core-prod`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        return entity.ok ? true : undefined;
      },
      120_000,
    );
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('logs no error and no failed request to its own API', () => {
    expect(problemLines(backend.output())).toEqual([]);
  });

  it('serves the events bus that the plugins subscribe through', async () => {
    // With no events backend the route does not exist (404); with it, the
    // bus is there and asks for credentials.
    const res = await fetch(
      `${baseUrl}/api/events/bus/v1/subscriptions/start-log-probe`,
      { method: 'PUT' },
    );
    expect(res.status).toBe(401);
  });
});
