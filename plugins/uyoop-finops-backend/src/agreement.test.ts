import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { stringify } from 'yaml';
import {
  finopsCli,
  loadAppConfig,
  openCliEngine,
} from '@internal/plugin-uyoop-finops-node';
import { finopsPlugin } from './plugin';

/** One app-config for both front doors: a budget the estimates exceed. */
const appConfig = {
  finops: {
    budgets: [
      { name: 'tight', scope: 'all', monthly: 10, basis: 'TTC' },
      {
        name: 'mail',
        scope: 'system:mail',
        monthly: 100,
        basis: 'TTC',
        thresholds: [0.5, 1],
      },
    ],
  },
};

describe('the CLI and the backend read the same app-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finops-agree-'));
  const file = join(dir, 'app-config.yaml');
  writeFileSync(file, stringify(appConfig));

  beforeAll(() => {
    for (const k of [
      'OVH_APPLICATION_KEY',
      'OVH_APPLICATION_SECRET',
      'OVH_CONSUMER_KEY',
    ])
      delete process.env[k];
  });

  it('`finops budget --check` and GET /budgets give the same status for every budget', async () => {
    const out: string[] = [];
    const run = (...argv: string[]) =>
      finopsCli(
        [...argv, '--config', file, '--db', join(dir, 'finops.sqlite')],
        {
          out: l => out.push(l),
          err: l => out.push(l),
          writeFile: async () => undefined,
        },
        { env: {}, openEngine: o => openCliEngine({ ...o, env: {} }) },
      );
    expect(await run('ingest', '--period', '2026-11')).toBe(0);
    out.length = 0;
    expect(
      await run('budget', '--check', '--period', '2026-11', '--json'),
    ).toBe(1);
    const cli = JSON.parse(out.join('\n'));

    const config = await loadAppConfig([file], {});
    const data = config.get() as any;
    config.close();
    const backend = await startTestBackend({
      features: [
        finopsPlugin,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({ data }),
      ],
    });
    try {
      const base = `http://127.0.0.1:${
        (backend.server.address() as { port: number }).port
      }/api/finops`;
      const auth = { Authorization: mockCredentials.user.header() };
      const ingest = await fetch(`${base}/ingest`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ periods: ['2026-11'] }),
      });
      expect(ingest.status).toBe(200);
      const api = await (
        await fetch(`${base}/budgets?period=2026-11`, { headers: auth })
      ).json();
      const statuses = (r: {
        budgets: { budget: { name: string }; status: string; spent: number }[];
      }) => r.budgets.map(b => [b.budget.name, b.status, b.spent]);
      expect(statuses(cli)).toEqual([
        ['tight', 'exceeded', 34.48],
        ['mail', expect.any(String), expect.any(Number)],
      ]);
      expect(statuses(api)).toEqual(statuses(cli));
    } finally {
      await backend.stop();
    }
  });
});
