/*
 * Integration: the real backend process started with app-config.yaml +
 * app-config.production.yaml on a real PostgreSQL (Debian's server), signing
 * people in through a real OpenID Provider standing in for Authelia, driven
 * by Debian's chromium through the provider's own login page.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { repoRoot } from '@internal/platform';
import { until } from '@internal/testbed';
import {
  freePort,
  OidcProvider,
  Postgres,
  Started,
  startOidcProvider,
  startBackend,
  startPostgres,
} from './testing/services';

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
  stranger: {
    email: 'stranger@test.uyoop.fr',
    name: 'A Stranger',
    groups: ['developers'],
  },
};

/** The test accounts as catalog Users (the stranger is left out on purpose). */
const TEST_USERS = `
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: fiona-test }
spec:
  profile: { email: ${PEOPLE.fiona.email}, displayName: Fiona Finance }
  memberOf: [finance]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: dave-test }
spec:
  profile: { email: ${PEOPLE.dave.email}, displayName: Dave Dev }
  memberOf: [developers]
`;

const secret = () => randomBytes(24).toString('hex');
const SECRETS = {
  BACKEND_SECRET: secret(),
  POSTGRES_PASSWORD: secret(),
  AUTH_SESSION_SECRET: secret(),
  AUTH_OIDC_CLIENT_SECRET: secret(),
  K8S_SERVICE_ACCOUNT_TOKEN: secret(),
  FINOPS_METRICS_TOKEN: secret(),
};

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
  let backend: Started;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'uyoop-prod-'));
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
        },
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
        NO_COLOR: '1',
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
              [[PEOPLE.fiona.email, PEOPLE.dave.email]],
            )
            .catch(() => [{ n: 0 }]);
          return rows[0].n === 2 ? true : undefined;
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
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await oidc?.stop();
    await postgres?.stop();
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

  it('writes none of its secrets to the logs', () => {
    const out = backend.output() + oidc.output() + postgres.output();
    const leaked = Object.entries(SECRETS)
      .filter(([, value]) => out.includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  });
});
