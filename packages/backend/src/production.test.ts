/*
 * Integration: the real backend process started with app-config.yaml +
 * app-config.production.yaml on a real PostgreSQL (Debian's server), serving
 * the built portal app (scripts/prepare.d/portal-app.sh), signing people in
 * through a real OpenID Provider standing in for Authelia, driven by Debian's
 * chromium through the portal's sign-in page and the provider's login page.
 * FinOps reads a local OVH API contract server; DRP works on the testbed's
 * cluster, Velero and S3 (yarn testbed up), where a drp-admin restores a
 * backup through the portal's restore wizard (the run is kept as a video).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { repoRoot } from '@internal/platform';
import { runId, testbed, tool, until } from '@internal/testbed';
import { accessRules } from '@internal/plugin-uyoop-finops-node';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  OvhContractServer,
  ovhFixtureAccount,
  startOvhContractServer,
} from '@internal/plugin-uyoop-finops-node/src/testUtils';
import {
  freePort,
  OidcProvider,
  Postgres,
  Started,
  startOidcProvider,
  startBackend,
  drpTestbedEnv,
  startPostgres,
} from './testing/services';
import { templateFiles } from './testing/scaffolder';

jest.setTimeout(300_000);

/** People the provider knows; all but the stranger are catalog Users. */
const PEOPLE = {
  fiona: {
    email: 'fiona.finance@test.uyoop.fr',
    name: 'Fiona Finance',
    groups: ['finance'],
  },
  dave: {
    email: 'dave.dev@test.uyoop.fr',
    name: 'Dave Dev',
    groups: ['developers'],
  },
  ada: {
    email: 'ada.admin@test.uyoop.fr',
    name: 'Ada Admin',
    groups: ['admins'],
  },
  dora: {
    email: 'dora.drp@test.uyoop.fr',
    name: 'Dora Drp',
    groups: ['drp-admins'],
  },
  stranger: {
    email: 'stranger@test.uyoop.fr',
    name: 'A Stranger',
    groups: ['developers'],
  },
};

/** The people the catalog knows: all but the stranger, left out on purpose. */
const CATALOG_PEOPLE = Object.entries(PEOPLE).filter(
  ([login]) => login !== 'stranger',
);

/** The test accounts as catalog Users, `<login>-test`. */
const TEST_USERS = CATALOG_PEOPLE.map(
  ([login, p]) => `apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ${login}-test }
spec:
  profile: { email: ${p.email}, displayName: ${p.name} }
  memberOf: [${p.groups.join(', ')}]
`,
).join('---\n');

const secret = () => randomBytes(24).toString('hex');
const SECRETS = {
  BACKEND_SECRET: secret(),
  POSTGRES_PASSWORD: secret(),
  AUTH_SESSION_SECRET: secret(),
  AUTH_OIDC_CLIENT_SECRET: secret(),
  K8S_SERVICE_ACCOUNT_TOKEN: secret(),
  FINOPS_METRICS_TOKEN: secret(),
  GITLAB_TOKEN: secret(),
  OVH_APPLICATION_SECRET: FIXTURE_KEYS.appSecret,
  OVH_CONSUMER_KEY: FIXTURE_KEYS.consumerKey,
};

const APP_DIST = join(repoRoot, 'packages/app/dist/index.html');
/** Videos of the browser runs, kept with the suite's reports. */
const VIDEOS = join(repoRoot, 'node_modules/.cache/uyoop-test-results/videos');

/** The testbed namespace the drp-admin restores, and its Velero backup. */
const DRP_NAMESPACE = `drp-e2e-${runId()}`;

type AuthResponse = {
  type: string;
  response?: {
    profile: { email?: string };
    backstageIdentity: {
      token: string;
      identity: { userEntityRef: string; ownershipEntityRefs: string[] };
    };
  };
  error?: { name: string; message: string };
};

describe('the portal backend in production mode', () => {
  let dir: string;
  let postgres: Postgres;
  let oidc: OidcProvider;
  let ovh: OvhContractServer;
  let backend: Started;
  let browser: Browser;
  let base: string;

  const tb = testbed();
  const kubectl = (args: string[]) => tool(tb, 'kubectl', args);

  beforeAll(async () => {
    // Something to restore: a namespace with a ConfigMap, backed up by Velero.
    await kubectl(['create', 'namespace', DRP_NAMESPACE]);
    await kubectl([
      'create',
      'configmap',
      'settings',
      '-n',
      DRP_NAMESPACE,
      '--from-literal=site=uyoop.fr',
    ]);
    await tool(tb, 'velero', [
      'backup',
      'create',
      DRP_NAMESPACE,
      '-n',
      tb.veleroNamespace,
      '--include-namespaces',
      DRP_NAMESPACE,
      '--wait',
    ]);
    if (!existsSync(APP_DIST))
      throw new Error(
        'packages/app is not built: run scripts/prepare.d/portal-app.sh',
      );
    dir = mkdtempSync(join(tmpdir(), 'uyoop-prod-'));
    ovh = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: ovhFixtureAccount(['2026-11', '2026-12']),
    });
    // The backend process trusts the contract server's self-signed certificate.
    writeFileSync(join(dir, 'ovh-ca.pem'), ovh.ca);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    postgres = await startPostgres(SECRETS.POSTGRES_PASSWORD);
    oidc = await startOidcProvider({
      clientId: 'uyoop-portal',
      clientSecret: SECRETS.AUTH_OIDC_CLIENT_SECRET,
      redirectUri: `${base}/api/auth/oidc/handler/frame`,
      accounts: PEOPLE,
    });
    // Only what differs on this machine: addresses, and the catalog files.
    writeFileSync(join(dir, 'users.yaml'), TEST_USERS);
    writeFileSync(
      join(dir, 'app-config.test.yaml'),
      JSON.stringify({
        app: { baseUrl: base },
        backend: {
          baseUrl: base,
          listen: `127.0.0.1:${port}`,
          cors: { origin: base },
          // This machine serves plain HTTP on loopback; production is HTTPS.
          csp: { 'upgrade-insecure-requests': false },
        },
        finops: { ovhApi: { host: ovh.host, port: ovh.port } },
        catalog: {
          locations: [
            { type: 'file', target: join(repoRoot, 'catalog-info.yaml') },
            { type: 'file', target: join(dir, 'users.yaml') },
          ],
        },
      }),
    );
    backend = startBackend(
      [
        join(repoRoot, 'app-config.yaml'),
        join(repoRoot, 'app-config.production.yaml'),
        join(dir, 'app-config.test.yaml'),
      ],
      {
        ...process.env,
        ...SECRETS,
        POSTGRES_HOST: postgres.host,
        POSTGRES_PORT: String(postgres.port),
        POSTGRES_USER: postgres.user,
        POSTGRES_DB: 'portal',
        AUTH_OIDC_ISSUER: oidc.issuer,
        AUTH_OIDC_CLIENT_ID: 'uyoop-portal',
        K8S_CA_DATA: Buffer.from('not a real CA').toString('base64'),
        OVH_APPLICATION_KEY: FIXTURE_KEYS.appKey,
        NODE_EXTRA_CA_CERTS: join(dir, 'ovh-ca.pem'),
        NO_COLOR: '1',
        // DRP on the testbed's cluster and S3.
        ...drpTestbedEnv(tb),
      },
    );
    try {
      await until(
        'backend readiness',
        async () => {
          if (
            backend.exitCode() !== undefined ||
            backend.output().includes('BackendStartupError')
          )
            throw new Error('backend failed to start');
          const res = await fetch(
            `${base}/.backstage/health/v1/readiness`,
          ).catch(() => undefined);
          return res?.ok ? true : undefined;
        },
        180_000,
      );
      // The test accounts are in the catalog, which lives in PostgreSQL.
      await until(
        'the catalog (in PostgreSQL) to hold the test users',
        async () => {
          const rows = await postgres
            .query(
              'backstage_plugin_catalog',
              "select count(*)::int as n from search where key = 'spec.profile.email' and value = any($1)",
              [CATALOG_PEOPLE.map(([, p]) => p.email)],
            )
            .catch(() => [{ n: 0 }]);
          return rows[0].n === CATALOG_PEOPLE.length ? true : undefined;
        },
        120_000,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- backend output ---\n${backend
          .output()
          .slice(-4000)}`,
      );
    }
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await oidc?.stop();
    await postgres?.stop();
    await ovh?.close();
    await kubectl(['delete', 'namespace', '--wait=false', DRP_NAMESPACE]).catch(
      () => undefined,
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Signs in through the provider's login page, as the portal's popup does. */
  async function signIn(login: keyof typeof PEOPLE): Promise<AuthResponse> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(
        `${base}/api/auth/oidc/start?env=production&scope=${encodeURIComponent(
          'openid profile email groups',
        )}`,
      );
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
      // The provider asks to authorize the portal once.
      await page.waitForURL(
        /\/interaction\/|\/api\/auth\/oidc\/handler\/frame/,
      );
      if (page.url().includes('/interaction/'))
        await page.locator('button[type="submit"]').click();
      await page.waitForURL(/\/api\/auth\/oidc\/handler\/frame/);
      const raw = await page.evaluate(
        () => (window as unknown as { authResponse: string }).authResponse,
      );
      return JSON.parse(raw);
    } finally {
      await context.close();
    }
  }

  const api = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });

  it('offers no guest sign-in', async () => {
    const res = await fetch(`${base}/api/auth/guest/refresh?env=production`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    expect(res.status).toBe(404);
  });

  it('signs a finance member in with the groups of the catalog, who may read invoice detail', async () => {
    const auth = await signIn('fiona');
    expect(auth.error).toBeUndefined();
    const { identity, token } = auth.response!.backstageIdentity;
    expect(identity.userEntityRef).toBe('user:default/fiona-test');
    expect(identity.ownershipEntityRefs).toContain('group:default/finance');
    // Past the permission check: no bill was ingested here, so 404, not 403.
    const detail = await api(token, '/api/finops/invoices/FR-2026-10');
    expect({ status: detail.status, body: await detail.json() }).toMatchObject({
      status: 404,
      body: { error: { message: 'no invoice FR-2026-10' } },
    });
  });

  it('signs a developer in, who reads the catalog but gets 403 on invoice detail and on an ingestion', async () => {
    const auth = await signIn('dave');
    const { identity, token } = auth.response!.backstageIdentity;
    expect(identity.ownershipEntityRefs).toContain('group:default/developers');
    expect((await api(token, '/api/finops/invoices/FR-2026-10')).status).toBe(
      403,
    );
    const ingest = await api(token, '/api/finops/ingest', {
      method: 'POST',
      body: JSON.stringify({ periods: ['2026-10'] }),
    });
    expect(ingest.status).toBe(403);
    // The catalog is readable by every signed-in user.
    const mailcow = await api(
      token,
      '/api/catalog/entities/by-name/component/default/mailcow',
    );
    expect(mailcow.status).toBe(200);
    // The deny is explained in the logs, with the permission and the user.
    await until(
      'the deny log line',
      async () =>
        backend
          .output()
          .includes(
            'Permission uyoop.finops.ingest denied to user:default/dave-test',
          )
          ? true
          : undefined,
      10_000,
    );
  });

  it('publishes the golden paths to GitLab: publish:gitlab is there, the local forge is not', async () => {
    const { token } = (await signIn('dave')).response!.backstageIdentity;
    const actions = (await (
      await api(token, '/api/scaffolder/v2/actions')
    ).json()) as { id: string }[];
    const ids = actions.map(a => a.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'publish:gitlab',
        'uyoop:publish:target',
        'uyoop:catalog:register',
        'uyoop:manifests:render',
      ]),
    );
    expect(ids).not.toContain('uyoop:publish:local');
    // The local forge's open, read-only view does not exist in production.
    const forge = await fetch(`${base}/api/scaffolder/repos/anything`);
    expect(forge.status).toBe(401);

    // A developer's dry run of the web service: GitLab is where it would go.
    const { template, files } = await templateFiles('web-service');
    const res = await api(token, '/api/scaffolder/v2/dry-run', {
      method: 'POST',
      body: JSON.stringify({
        template,
        values: {
          name: 'hello-prod',
          description: 'A dry run in production',
          owner: 'group:default/developers',
          system: 'system:default/web',
          node: 'resource:default/core-prod',
          tier: 'prod',
          port: 8080,
        },
        secrets: {},
        directoryContents: files,
      }),
    });
    const body = (await res.json()) as {
      log: { body: { message: string } }[];
    };
    const log = body.log?.map(l => l.body.message).join('\n');
    expect({ status: res.status, log }).toMatchObject({ status: 200 });
    expect(log).toContain(
      'Skipping because publish:gitlab does not support dry-run',
    );
    expect(log).toContain(
      'Skipping step local because its if condition was false',
    );
    expect(log).toContain(
      'dry run: would register https://gitlab.uyoop.fr/uyoop/hello-prod/-/blob/main/catalog-info.yaml',
    );
  });

  it('refuses someone the provider knows but the catalog does not, saying what to do', async () => {
    const auth = await signIn('stranger');
    expect(auth.response).toBeUndefined();
    expect(auth.error?.message).toContain(
      'stranger@test.uyoop.fr is not a user of the uyoop catalog, so the portal cannot sign you in. Ask a platform admin to add you to catalog/org.yaml.',
    );
  });

  it('records each sign-in, granted or refused, in the audit trail', async () => {
    const out = backend.output();
    const audits = out.split('\n').filter(l => l.includes('auth.sign-in'));
    expect(
      audits.some(
        l => l.includes(PEOPLE.fiona.email) && l.includes('succeeded'),
      ),
    ).toBe(true);
    expect(
      audits.some(
        l => l.includes(PEOPLE.stranger.email) && l.includes('failed'),
      ),
    ).toBe(true);
  });

  /** CSP violations chromium reported, per page, for the header test. */
  const cspViolations: string[] = [];

  /**
   * Signs in through the portal as a person does: the sign-in page's
   * "uyoop SSO" card opens the provider's login page in a popup.
   */
  async function signInThroughPortal(
    login: keyof typeof PEOPLE,
    options: { video?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(
      options.video ? { recordVideo: { dir: VIDEOS } } : {},
    );
    const page = await context.newPage();
    page.on('console', m => {
      if (/Content Security Policy/i.test(m.text()))
        cspViolations.push(m.text());
    });
    await page.goto(`${base}/`);
    await expectVisible(page.getByText('uyoop SSO'));
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Sign In' }).click(),
    ]);
    await popup.locator('input[name="login"]').fill(login);
    await popup.locator('input[name="password"]').fill('any password');
    await popup.getByRole('button', { name: 'Sign-in' }).click();
    // The provider asks once to authorize the portal; then the popup closes.
    await popup
      .getByRole('button', { name: 'Continue' })
      .click({ timeout: 15_000 })
      .catch(() => undefined);
    return { context, page };
  }

  const expectVisible = (locator: ReturnType<Page['getByText']>) =>
    locator.first().waitFor({ state: 'visible', timeout: 60_000 });

  /** The user's Backstage token, as the portal gets it: from its session cookie. */
  async function tokenOf(context: BrowserContext): Promise<string> {
    const res = await context.request.get(
      `${base}/api/auth/oidc/refresh?optional&env=production`,
      { headers: { 'x-requested-with': 'XMLHttpRequest' } },
    );
    expect(res.status()).toBe(200);
    return (await res.json()).backstageIdentity.token;
  }

  it('serves the portal with its security headers and Content Security Policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const csp = (res.headers.get('content-security-policy') ?? '')
      .split(';')
      .map(d => d.trim());
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ]),
    );
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    // The API answers with the same policy.
    const api = await fetch(`${base}/api/finops/health`);
    expect(api.headers.get('content-security-policy')).toContain(
      "frame-ancestors 'none'",
    );
  });

  it('lets finance sign in through the portal, see invoice lines and ingest', async () => {
    const { context, page } = await signInThroughPortal('fiona');
    try {
      // Signed in: the portal's home page replaces the sign-in page.
      await expectVisible(page.getByText('uyoop platform at a glance'));
      await page.goto(`${base}/finops`);
      const ingest = page.getByRole('button', { name: 'Ingest now' });
      await ingest.waitFor({ timeout: 60_000 });
      await until(
        'the Ingest now button to be enabled',
        async () => ((await ingest.isEnabled()) ? true : undefined),
        30_000,
      );
      await ingest.click();
      await expectVisible(page.getByText(/^Ingested \d+ lines for /));
      // The bills of the OVH account, and the lines of one of them.
      const invoices = page.getByRole('table', { name: 'invoices' });
      await expectVisible(invoices.getByText('FR48000001'));
      await invoices
        .getByRole('row', { name: /FR48000001/ })
        .getByRole('button', { name: 'Show lines' })
        .click();
      const lines = page.getByRole('table', { name: 'lines of FR48000001' });
      await expectVisible(lines.getByText('VPS-3 monthly rental'));
      expect(await lines.locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    } finally {
      await context.close();
    }
  });

  it('shows a developer disabled controls, and the API answers 403', async () => {
    const { context, page } = await signInThroughPortal('dave');
    try {
      await page.goto(`${base}/finops`);
      await expectVisible(
        page.getByText('Ingestion and invoice lines: finance and admins only.'),
      );
      expect(
        await page.getByRole('button', { name: 'Ingest now' }).isDisabled(),
      ).toBe(true);
      const showLines = page.getByRole('button', { name: 'Show lines' });
      await showLines.first().waitFor({ timeout: 30_000 });
      expect(await showLines.first().isDisabled()).toBe(true);
      // The API refuses what the page does not offer.
      const token = await tokenOf(context);
      const ingest = await api(token, '/api/finops/ingest', {
        method: 'POST',
        body: JSON.stringify({}),
      });
      expect(ingest.status).toBe(403);
      expect((await api(token, '/api/finops/invoices/FR48000001')).status).toBe(
        403,
      );
      expect((await api(token, '/api/audit/records')).status).toBe(403);
    } finally {
      await context.close();
    }
  });

  it('shows a stranger a refusal box that says what to do', async () => {
    const { context, page } = await signInThroughPortal('stranger');
    try {
      await expectVisible(page.getByText('The portal cannot sign you in'));
      await expectVisible(
        page.getByText(
          'stranger@test.uyoop.fr is not a user of the uyoop catalog, so the portal cannot sign you in. Ask a platform admin to add you to catalog/org.yaml.',
          { exact: false },
        ),
      );
      // Still on the sign-in page: nothing of the portal is shown.
      expect(await page.getByText('uyoop platform at a glance').count()).toBe(
        0,
      );
    } finally {
      await context.close();
    }
  });

  it('keeps the ingestion in the audit trail (PostgreSQL), which an admin reads on /audit', async () => {
    const rows = await postgres.query(
      'backstage_plugin_audit',
      "select actor, status, meta from uyoop_audit_records where plugin = 'finops' and event_id = 'ingest'",
    );
    expect(rows).toContainEqual(
      expect.objectContaining({
        actor: 'user:default/fiona-test',
        status: 'succeeded',
      }),
    );
    const { context, page } = await signInThroughPortal('ada');
    try {
      await page.goto(`${base}/audit`);
      const row = page
        .getByRole('row')
        .filter({ hasText: 'finops.ingest' })
        .filter({ hasText: 'user:default/fiona-test' });
      await expectVisible(row);
      expect(await row.first().textContent()).toContain('succeeded');
    } finally {
      await context.close();
    }
  });

  it('lets a drp-admin restore a backup into a scratch namespace through the wizard, and records it', async () => {
    const { context, page } = await signInThroughPortal('dora', {
      video: true,
    });
    let target: string | undefined;
    try {
      await page.goto(`${base}/drp`);
      const row = page.getByRole('row').filter({ hasText: DRP_NAMESPACE });
      await expectVisible(row);
      await row.getByRole('button', { name: 'Restore…' }).click();
      const start = page.getByRole('button', { name: 'Start the restore' });
      await until(
        'the Start the restore button to be enabled',
        async () => ((await start.isEnabled()) ? true : undefined),
        30_000,
      );
      await start.click();
      const done = page.getByText(/^Restored into /);
      await done.waitFor({ state: 'visible', timeout: 300_000 });
      target = (await done.textContent())!.replace(/^Restored into |\.$/g, '');
      expect(target).toMatch(new RegExp(`^${DRP_NAMESPACE}-`));
      expect(
        await page.getByText(/^Items restored: (\d+) of \1$/).count(),
      ).toBe(1);
      // The data is back under the new name; the live namespace is untouched.
      expect(
        await kubectl([
          'get',
          'configmap',
          'settings',
          '-n',
          target,
          '-o',
          'jsonpath={.data.site}',
        ]),
      ).toBe('uyoop.fr');
      const rows = await postgres.query(
        'backstage_plugin_audit',
        "select actor, status from uyoop_audit_records where plugin = 'drp' and event_id = 'restore'",
      );
      expect(rows).toContainEqual({
        actor: 'user:default/dora-test',
        status: 'succeeded',
      });
    } finally {
      await context.close(); // writes the video
      if (target)
        await kubectl(['delete', 'namespace', '--wait=false', target]).catch(
          () => undefined,
        );
    }
  });

  it('raised no Content Security Policy violation in the pages it drove', () => {
    expect(cspViolations).toEqual([]);
  });

  it('writes none of its secrets to the logs', () => {
    const out = backend.output() + oidc.output() + postgres.output();
    const leaked = Object.entries(SECRETS)
      .filter(([, value]) => out.includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  });
});
