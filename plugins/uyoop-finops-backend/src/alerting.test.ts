/*
 * The budget alert, end to end with the real components: Debian's Prometheus
 * loads the repository's rule files and scrapes the FinOps backend plugin
 * (started for real, with the portal's token handling) through the scrape job
 * the repository ships; Debian's Alertmanager routes with the repository's
 * routing tree; the receivers are webhooks into this test. Everything listens
 * on 127.0.0.1 and nothing is configured to leave the machine.
 *
 * It lives beside the plugin because the scrape target is the plugin's route
 * and its test backend; the rules and routing come from packages/k8s and
 * infra/monitoring as they are committed.
 */
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { alertmanagerConfig } from '@internal/k8s/src/alertmanager';
import { repoRoot, Service, startService } from '@internal/platform';
import { currentPeriod } from '@internal/plugin-uyoop-finops-node';
import { until } from '@internal/testbed';
import { freePort } from '@internal/testbed/src/databases';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { finopsPlugin } from './plugin';

const PROMETHEUS = join(repoRoot, 'infra', 'monitoring', 'prometheus');
const RULE_FILES = ['platform.rules.yml', 'finops.rules.yml'];
const ALERT = 'FinopsBudgetExceeded';
/** A test-only token, as Prometheus presents it (backend.auth.externalAccess). */
const TOKEN = 'finops-alerting-test-token-3b9e71d4';
const BUDGET = { name: 'platform', scope: 'all', monthly: 200, basis: 'TTC' };
/** One rule evaluation and one scrape a second: a "cycle" below. */
const CYCLE_MS = 1_000;

interface Notification {
  path: string;
  body: {
    receiver: string;
    status: string;
    alerts: {
      status: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
  };
}

/** The receivers' endpoint: records each POST Alertmanager makes. */
async function startWebhook(): Promise<{
  server: Server;
  port: number;
  received: Notification[];
}> {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', d => (text += d));
    req.on('end', () => {
      if (req.method === 'POST')
        received.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as { port: number }).port,
    received,
  };
}

/**
 * The repository's Alertmanager routing, with each receiver's integrations
 * (Discord, mail) replaced by a webhook to this test at /<receiver>, and the
 * grouping delays shortened from 30 s / 5 min / 4 h to seconds.
 */
function testAlertmanagerConfig(webhookPort: number) {
  const config = alertmanagerConfig({
    discordWebhookUrl: 'https://discord.invalid/api/webhooks/0/unused',
  });
  return {
    route: {
      ...config.route,
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1m',
    },
    inhibit_rules: config.inhibit_rules,
    receivers: config.receivers.map(r => ({
      name: r.name,
      webhook_configs: [
        {
          url: `http://127.0.0.1:${webhookPort}/${r.name}`,
          send_resolved: false,
        },
      ],
    })),
  };
}

/**
 * The shipped scrape job with only what a test cannot keep changed: the
 * target (the test backend), the scheme (the backend itself speaks HTTP; in
 * production Traefik terminates TLS for portal.uyoop.fr), the token file, and
 * the interval (5 min would delay the first scrape by up to 5 min).
 */
function testScrapeConfig(backendPort: number, tokenFile: string) {
  const shipped = parse(
    readFileSync(join(PROMETHEUS, 'scrape', 'finops.yml'), 'utf8'),
  );
  const [job] = shipped.scrape_configs;
  expect(job.authorization.credentials_file).toBeDefined();
  return {
    ...job,
    scheme: 'http',
    scrape_interval: `${CYCLE_MS / 1000}s`,
    authorization: { ...job.authorization, credentials_file: tokenFile },
    static_configs: [{ targets: [`127.0.0.1:${backendPort}`] }],
  };
}

/**
 * The committed rule files, copied; only the budget alert's `for: 1h` is
 * shortened, so that the test sees it fire in seconds.
 */
function copyRules(dir: string, forDuration: string): string[] {
  return RULE_FILES.map(name => {
    const doc = parse(readFileSync(join(PROMETHEUS, 'rules', name), 'utf8'));
    for (const group of doc.groups)
      for (const rule of group.rules)
        if (rule.alert === ALERT) rule.for = forDuration;
    const path = join(dir, name);
    writeFileSync(path, stringify(doc));
    return path;
  });
}

/** Every URL and host:port a configuration names (to prove they are all loopback). */
function addresses(value: unknown): string[] {
  if (typeof value === 'string')
    return /^(https?:\/\/|[\w.-]+:\d+$)/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(addresses);
  if (value && typeof value === 'object')
    return Object.values(value).flatMap(addresses);
  return [];
}

describe('the FinOps budget alert, from a scrape of the backend to a webhook', () => {
  let dir: string;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let alertmanager: Service | undefined;
  let prometheus: Service | undefined;
  let stopBackend: (() => Promise<void>) | undefined;
  let finops: string;
  let promUrl: string;
  let manualFile: string;
  const savedOvhEnv: Record<string, string | undefined> = {};

  const ingest = async () => {
    const res = await fetch(`${finops}/ingest`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ periods: [currentPeriod(new Date())] }),
    });
    expect(res.status).toBe(200);
  };
  const prom = async (path: string) => {
    const res = await fetch(`${promUrl}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()).data;
  };
  const budgetAlerts = async () =>
    (
      (await prom('/api/v1/alerts')).alerts as {
        labels: Record<string, string>;
        state: string;
      }[]
    ).filter(a => a.labels.alertname === ALERT);
  /** The budget ratio as Prometheus last scraped it. */
  const scrapedRatio = async () => {
    const data = await prom(
      `/api/v1/query?query=${encodeURIComponent(
        `uyoop_finops_budget_ratio{budget="${BUDGET.name}"}`,
      )}`,
    );
    return data.result.length ? Number(data.result[0].value[1]) : undefined;
  };
  const logs = () =>
    ['alertmanager.log', 'prometheus.log']
      .map(f => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(-3000)}`)
      .join('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'uyoop-alerting-'));
    // Estimates (the catalog's prices) for the running month: no OVH API.
    for (const k of [
      'OVH_APPLICATION_KEY',
      'OVH_APPLICATION_SECRET',
      'OVH_CONSUMER_KEY',
    ]) {
      savedOvhEnv[k] = process.env[k];
      delete process.env[k];
    }
    // Manual entries are how the test moves the spend; none at first.
    manualFile = join(dir, 'manual.csv');
    writeFileSync(manualFile, 'period,category,description,amount,basis\n');

    const backend = await startTestBackend({
      features: [
        finopsPlugin,
        // The portal's real token handling: the scrape is judged as in production.
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
            finops: { budgets: [BUDGET], manualEntries: [manualFile] },
          },
        }),
      ],
    });
    stopBackend = () => backend.stop();
    const backendPort = (backend.server.address() as { port: number }).port;
    finops = `http://127.0.0.1:${backendPort}/api/finops`;
    await ingest();

    webhook = await startWebhook();
    // Alertmanager first: Prometheus started without a reachable Alertmanager
    // holds its first notification back.
    const amPort = await freePort();
    const amConfig = join(dir, 'alertmanager.yml');
    writeFileSync(amConfig, stringify(testAlertmanagerConfig(webhook.port)));
    alertmanager = startService({
      cmd: 'prometheus-alertmanager',
      args: [
        `--config.file=${amConfig}`,
        `--storage.path=${join(dir, 'alertmanager')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        // No cluster: no gossip port, no peer lookups.
        '--cluster.listen-address=',
      ],
      logFile: join(dir, 'alertmanager.log'),
    });
    await until(
      'Alertmanager ready',
      async () =>
        (
          await fetch(`http://127.0.0.1:${amPort}/-/ready`)
        ).ok
          ? true
          : undefined,
      30_000,
    ).catch(e => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });

    const tokenFile = join(dir, 'finops-metrics-token');
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    const promConfig = {
      global: {
        scrape_interval: `${CYCLE_MS / 1000}s`,
        evaluation_interval: `${CYCLE_MS / 1000}s`,
      },
      rule_files: copyRules(dir, '2s'),
      alerting: {
        alertmanagers: [
          { static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] },
        ],
      },
      scrape_configs: [testScrapeConfig(backendPort, tokenFile)],
    };
    // Nothing leaves the machine: no remote write or read, every address loopback.
    expect(promConfig).not.toHaveProperty('remote_write');
    expect(promConfig).not.toHaveProperty('remote_read');
    expect(
      addresses([promConfig, testAlertmanagerConfig(webhook.port)]).filter(
        a => !/^(http:\/\/)?127\.0\.0\.1:\d+(\/|$)/.test(a),
      ),
    ).toEqual([]);
    const promConfigFile = join(dir, 'prometheus.yml');
    writeFileSync(promConfigFile, stringify(promConfig));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prometheus = startService({
      cmd: 'prometheus',
      args: [
        `--config.file=${promConfigFile}`,
        `--storage.tsdb.path=${join(dir, 'prometheus')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        // The default 1 min would hold back the first notification.
        '--rules.alert.resend-delay=1s',
      ],
      logFile: join(dir, 'prometheus.log'),
    });
    await until(
      'Prometheus ready',
      async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined),
      30_000,
    ).catch(e => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    // Starting a backend takes seconds on a loaded machine.
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await stopBackend?.();
    await new Promise(r => webhook?.server.close(r));
    for (const [k, v] of Object.entries(savedOvhEnv))
      if (v !== undefined) process.env[k] = v;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every committed rule group and scrapes the backend with its token', async () => {
    const { groups } = await prom('/api/v1/rules');
    expect(groups.map((g: { name: string }) => g.name).sort()).toEqual([
      'uyoop-backup',
      'uyoop-finops',
      'uyoop-nodes',
      'uyoop-security',
      'uyoop-web',
    ]);
    const target = await until(
      'the FinOps target scraped',
      async () => {
        const { activeTargets } = await prom('/api/v1/targets');
        const t = activeTargets.find(
          (a: any) => a.labels.job === 'uyoop-finops',
        );
        return t?.health === 'up' ? t : undefined;
      },
      30_000,
    );
    expect(target.scrapeUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/finops\/metrics$/,
    );
    // What Prometheus runs with: no remote storage, only the local Alertmanager.
    const { yaml } = await prom('/api/v1/status/config');
    expect(yaml).not.toMatch(/remote_(write|read)/);
    const { activeAlertmanagers } = await prom('/api/v1/alertmanagers');
    expect(activeAlertmanagers.map((a: { url: string }) => a.url)).toEqual([
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts$/),
    ]);
  });

  it('sends nothing while the budget is not exceeded, over several evaluation cycles', async () => {
    const ratio = await until(
      'the budget ratio in Prometheus',
      scrapedRatio,
      30_000,
    );
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
    // More than the shortened `for`, group_wait and resend delay put together:
    // the same wait is enough for the alert to reach the webhook below.
    const seen = Date.now();
    await new Promise(r => setTimeout(r, 6 * CYCLE_MS));
    const { groups } = await prom('/api/v1/rules');
    const group = groups.find(
      (g: { name: string }) => g.name === 'uyoop-finops',
    );
    expect(Date.parse(group.lastEvaluation)).toBeGreaterThan(
      seen + 4 * CYCLE_MS,
    );
    expect(await budgetAlerts()).toEqual([]);
    expect(webhook.received).toEqual([]);
  }, 60_000);

  it('fires when a cost pushes the spend past the budget, and Alertmanager posts it to finance and to the critical receiver', async () => {
    writeFileSync(
      manualFile,
      'period,category,description,amount,basis\n' +
        `${currentPeriod(new Date())},one-off,Migration week-end,500,TTC\n`,
    );
    await ingest();
    const ratio = await until(
      'the exceeded ratio in Prometheus',
      async () => {
        const r = await scrapedRatio();
        return r !== undefined && r >= 1 ? r : undefined;
      },
      30_000,
    );
    expect(ratio).toBeGreaterThan(2.5);

    const firing = await until(
      'the alert firing in Prometheus',
      async () => {
        const alerts = await budgetAlerts();
        return alerts.find(a => a.state === 'firing');
      },
      30_000,
    );
    expect(firing.labels).toMatchObject({
      alertname: ALERT,
      budget: BUDGET.name,
      severity: 'critical',
      job: 'uyoop-finops',
    });

    // The routing tree: Finops.* to finance (continue), then critical; the default receiver gets nothing.
    await until(
      'the webhook posts of finance and critical',
      async () => {
        const paths = new Set(webhook.received.map(n => n.path));
        return paths.has('/finance') && paths.has('/critical')
          ? true
          : undefined;
      },
      30_000,
    ).catch(e => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
    for (const receiver of ['finance', 'critical']) {
      const post = webhook.received.find(n => n.path === `/${receiver}`)!;
      expect(post.body.receiver).toBe(receiver);
      expect(post.body.status).toBe('firing');
      expect(post.body.alerts).toHaveLength(1);
      expect(post.body.alerts[0].status).toBe('firing');
      expect(post.body.alerts[0].labels).toMatchObject({
        alertname: ALERT,
        budget: BUDGET.name,
        severity: 'critical',
        job: 'uyoop-finops',
      });
      expect(post.body.alerts[0].annotations.summary).toMatch(
        /^FinOps budget "platform" is exhausted \(\d+(\.\d+)?% spent\)$/,
      );
    }
    expect(webhook.received.filter(n => n.path === '/discord')).toEqual([]);
  }, 90_000);
});
