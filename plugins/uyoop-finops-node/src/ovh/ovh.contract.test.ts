import { accessRules } from '../credentials';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  ovhFixtureAccount,
  OvhContractServer,
  ovhSignature,
  startOvhContractServer,
  trustContractServer,
} from '../testUtils';
import { createOvhApi, OvhApiError } from './client';
import { collectOvh, ovhForecastHT } from './source';

/** The error of a call that must fail. */
const failure = (p: Promise<unknown>): Promise<OvhApiError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: OvhApiError) => e,
  );

const periods = ['2026-09', '2026-10', '2026-11'];
const options = {
  nodes: ['core-prod', 'ai-lab'],
  domains: ['uyoop.fr', 'cgenti.com'],
  cloudProjectId: FIXTURE_PROJECT,
  now: new Date('2026-11-20T10:00:00Z'),
};

describe('the real ovh client against the OVH contract server', () => {
  let server: OvhContractServer;
  const api = (
    over: Partial<typeof FIXTURE_KEYS> = {},
    opts: { apiTimeDiff?: number; retries?: number } = {},
  ) =>
    createOvhApi(
      { ...FIXTURE_KEYS, ...over, endpoint: 'ovh-eu' },
      { host: server.host, port: server.port, backoffMs: 1, ...opts },
    );

  beforeAll(async () => {
    server = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: ovhFixtureAccount(periods),
      skewSeconds: 0,
    });
    trustContractServer(server);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.setSkew(0);
  });

  it('signs every call as OVH computes it, and reads bills, details, VPS, consumption and Object Storage', async () => {
    const lines = await collectOvh(api(), '2026-11', options);
    const signed = server.requests.filter(r => r.url !== '/1.0/auth/time');
    expect(signed.length).toBeGreaterThan(5);
    for (const r of signed) {
      expect(r.status).toBe(200);
      expect(r.headers['x-ovh-signature']).toBe(
        ovhSignature(
          FIXTURE_KEYS.appSecret,
          FIXTURE_KEYS.consumerKey,
          'GET',
          `https://127.0.0.1${r.url}`,
          '',
          r.headers['x-ovh-timestamp'] as string,
        ),
      );
    }
    const bill = lines.filter(l => l.source === 'ovh-bill');
    expect(
      bill.map(l => [
        l.node ?? l.service ?? l.category,
        l.amountHT,
        l.amountTTC,
      ]),
    ).toEqual([
      ['core-prod', 11.9, 14.28],
      ['ai-lab', 6, 7.2],
      ['uyoop-fr', 4.17, 5.004],
      ['cgenti-com', 4.16, 4.992],
      ['storage', 2.5, 3],
    ]);
    expect(lines.some(l => l.source === 'ovh-consumption')).toBe(true);
    expect(
      lines.some(
        l => l.source === 'ovh-cloud' && /backups-locked/.test(l.description),
      ),
    ).toBe(true);
    expect(await ovhForecastHT(api(), FIXTURE_PROJECT)).toBe(5);
  });

  it('401 on a wrong application secret: a clear error that names neither key', async () => {
    const err = await failure(
      api({ appSecret: 'wrong-secret' }).get('/me/bill'),
    );
    expect(err).toBeInstanceOf(OvhApiError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(
      /HTTP 401 \(Invalid signature\).*OVH_APPLICATION_SECRET/,
    );
    expect(err.message).not.toContain('wrong-secret');
    expect(err.message).not.toContain(FIXTURE_KEYS.consumerKey);
  });

  it('403 when the consumer key lacks the access rule, pointing at `finops credentials`', async () => {
    const narrow = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: [{ method: 'GET', path: '/vps' }],
      account: ovhFixtureAccount(periods),
    });
    trustContractServer(narrow);
    try {
      const err = await failure(
        createOvhApi(
          { ...FIXTURE_KEYS, endpoint: 'ovh-eu' },
          { host: narrow.host, port: narrow.port },
        ).get('/me/bill'),
      );
      expect(err.status).toBe(403);
      expect(err.message).toMatch(/not been granted.*finops.ts credentials/);
    } finally {
      await narrow.close();
    }
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    server.fail(
      '/me/bill',
      { status: 429, message: 'Too many requests' },
      { status: 503 },
    );
    const ids = await api().get<string[]>('/me/bill');
    expect(ids).toHaveLength(3);
    expect(
      server.requests
        .filter(r => r.url.startsWith('/1.0/me/bill'))
        .map(r => r.status),
    ).toEqual([429, 503, 200]);
  });

  it('gives up after the retries with an error saying what to do', async () => {
    server.fail('/vps', { status: 500 }, { status: 502 }, { status: 503 });
    const err = await failure(api({}, { retries: 2 }).get('/vps'));
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(3);
    expect(err.message).toMatch(
      /HTTP 503.*after 3 attempts: the OVH API is failing; retry later/,
    );
  });

  it('reports malformed JSON as such', async () => {
    server.fail('/me/consumption/usage/current', {
      status: 200,
      raw: '{"beginDate": "2026-11-01T00:00',
    });
    const err = await failure(api().get('/me/consumption/usage/current'));
    expect(err.message).toMatch(/malformed JSON/);
  });

  it('follows the API clock from /auth/time when the local clock is off, and a stale offset is refused with 401', async () => {
    server.setSkew(3600);
    await expect(api().get<string[]>('/vps')).resolves.toHaveLength(2);
    // One second of offset where the API is an hour ahead: the timestamp is stale.
    const stale = await failure(api({}, { apiTimeDiff: 1 }).get('/vps'));
    expect(stale.status).toBe(401);
    expect(stale.message).toMatch(/Invalid timestamp.*machine clock/);
  });
});
