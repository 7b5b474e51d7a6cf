import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform } from '@internal/platform';
import { accessRules } from './credentials';
import { FinopsEngine, FinopsEngineOptions } from './engine';
import { PeriodMismatchError } from './ingestion';
import { createOvhApi } from './ovh/client';
import { sqliteKnex } from './open';
import { CostStore } from './store/store';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  FIXTURE_VPS,
  fixtureBill,
  fixtureConsumption,
  ovhFixtureAccount,
  OvhAccount,
  OvhContractServer,
  startOvhContractServer,
  trustContractServer,
} from './testUtils';

let platform: Platform;
beforeAll(async () => {
  platform = await loadPlatform();
});

const at = (iso: string) => () => new Date(iso);

async function engineWith(options: Partial<FinopsEngineOptions> = {}) {
  const db = sqliteKnex(':memory:');
  const store = await CostStore.create(db);
  const make = (more: Partial<FinopsEngineOptions> = {}) =>
    new FinopsEngine({
      store,
      platform,
      now: at('2026-04-20T12:00:00Z'),
      ...options,
      ...more,
    });
  return { db, store, engine: make(), make };
}

function files(contents: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'finops-ingest-'));
  for (const [name, text] of Object.entries(contents))
    writeFileSync(join(dir, name), text);
  return (name: string) => join(dir, name);
}

const total = async (engine: FinopsEngine, period: string) =>
  (await engine.monthlyReport(period, period)).months[0]?.total.ttc;

describe('manual entries across re-ingestion', () => {
  it('keeps a manual entry when its month is re-ingested without the file, and when the scheduled ingestion runs', async () => {
    const f = files({
      'extra.csv':
        'period,category,description,amount,basis\n2026-03,domain,example.org at Gandi,10.00,TTC\n',
    });
    const { engine, store, db } = await engineWith();
    const first = await engine.ingest(['2026-03'], {
      manualFiles: [f('extra.csv')],
    });
    expect(first.changes.find(c => c.source === 'manual')).toEqual({
      source: 'manual',
      added: 1,
      replaced: 0,
      removed: 0,
    });
    // Catalog estimates of March (core node, domains, S3 buffer) + the entry.
    expect(await total(engine, '2026-03')).toBe(37.28);

    const again = await engine.ingest(['2026-03']);
    expect(await total(engine, '2026-03')).toBe(37.28);
    expect(again.changes.find(c => c.source === 'manual')?.removed ?? 0).toBe(
      0,
    );
    await engine.ingest(); // the scheduled run: every month since February
    expect(await total(engine, '2026-03')).toBe(37.28);
    expect(await store.lines({ source: 'manual' })).toHaveLength(1);
    await db.destroy();
  });

  it('removes a manual entry only when asked, and the month total follows', async () => {
    const f = files({
      'extra.csv':
        'period,category,description,amount,basis\n2026-03,domain,example.org,10.00,TTC\n2026-03,one-off,Migration week-end,5.00,TTC\n',
    });
    const { engine, store, db } = await engineWith();
    await engine.ingest(['2026-03'], { manualFiles: [f('extra.csv')] });
    const [a, b] = await store.lines({ source: 'manual' });
    const gone = await store.removeManual([a.externalId]);
    expect(gone.map(l => l.description)).toEqual([a.description]);
    expect((await store.lines({ source: 'manual' })).map(l => l.externalId)).toEqual([
      b.externalId,
    ]);
    expect(await total(engine, '2026-03')).toBe(
      Math.round((27.28 + b.amountTTC) * 100) / 100,
    );
    await db.destroy();
  });

  it('counts a re-imported identical entry as replaced, never as a second line', async () => {
    const f = files({
      'extra.yaml':
        'entries:\n  - { period: 2026-03, category: other, description: Support ticket, amount: 12, basis: HT }\n',
    });
    const { engine, store, db } = await engineWith();
    await engine.ingest(['2026-03'], { manualFiles: [f('extra.yaml')] });
    const second = await engine.ingest(['2026-03'], {
      manualFiles: [f('extra.yaml')],
    });
    expect(second.changes.find(c => c.source === 'manual')).toMatchObject({
      added: 0,
      replaced: 1,
    });
    expect(second.changes.find(c => c.source === 'estimate')).toMatchObject({
      added: 0,
      replaced: 3,
      removed: 0,
    });
    expect(await store.lines({ source: 'manual' })).toHaveLength(1);
    await db.destroy();
  });
});

describe('manual entries and --period', () => {
  it('refuses a file with entries outside the periods, names each line, and imports nothing', async () => {
    const f = files({
      'march.csv':
        'period,category,description,amount,basis\n2026-03,domain,example.org,10.00,TTC\n2026-04,domain,example.net,2.00,TTC\n',
    });
    const { engine, store, db } = await engineWith();
    const err = await engine
      .ingest(['2026-04'], { manualFiles: [f('march.csv')] })
      .catch(e => e);
    expect(err).toBeInstanceOf(PeriodMismatchError);
    expect(err.message).toContain(`${f('march.csv')}:2: period 2026-03`);
    expect(err.message).toMatch(/nothing was imported/);
    expect(err.message).toMatch(/--period 2026-03/);
    expect(await store.lines()).toEqual([]);
    await db.destroy();
  });

  it('imports each entry into its own month when no period is given', async () => {
    const f = files({
      'two.csv':
        'period,category,description,amount,basis\n2026-02,domain,example.org,10.00,TTC\n2026-03,domain,example.net,2.00,TTC\n',
    });
    const { engine, store, db } = await engineWith();
    await engine.ingest(undefined, { manualFiles: [f('two.csv')] });
    expect(
      (await store.lines({ source: 'manual' })).map(l => l.period),
    ).toEqual(['2026-02', '2026-03']);
    await db.destroy();
  });
});

describe('late bills, against the OVH contract server', () => {
  let server: OvhContractServer;
  let state: OvhAccount;
  const core = (ht: number) => ({
    description: 'VPS-3 monthly rental',
    domain: FIXTURE_VPS['core-prod'],
    ht,
    planCode: 'vps-2025-model3',
  });
  beforeAll(async () => {
    // The account as OVH holds it; the test adds bills as the months pass.
    state = ovhFixtureAccount([]);
    state.cloud = {};
    server = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: state,
    });
    trustContractServer(server);
  });
  afterAll(() => server.close());

  it("picks up a bill issued in April for March's usage, then marks March final and stops reading it", async () => {
    const ovh = createOvhApi(
      { ...FIXTURE_KEYS, endpoint: 'ovh-eu' },
      { host: server.host, port: server.port },
    );
    const { db, store, make } = await engineWith({ ovh });
    // March runs: only provisional consumption so far.
    state.consumption.current = [fixtureConsumption(1, '2026-03', 4)];
    const march = make({ now: at('2026-03-20T12:00:00Z') });
    const m1 = await march.ingest();
    expect(m1.periods).toEqual(['2026-02', '2026-03']);
    expect(m1.statuses['2026-03']).toBe('provisional');
    expect((await march.monthlyReport('2026-03', '2026-03')).months[0].total.ttc).toBe(4.8);

    // April 5: OVH issues the bill of March. The scheduled run of April 10 reads March again.
    state.bills.push(fixtureBill('FR1001', '2026-03', '2026-04-05', [core(11.9)]));
    state.consumption.current = [fixtureConsumption(2, '2026-04', 1)];
    const april = make({ now: at('2026-04-10T12:00:00Z') });
    const a1 = await april.ingest();
    expect(a1.periods).toEqual(['2026-03', '2026-04']);
    const m = (await april.monthlyReport('2026-03', '2026-03')).months[0];
    // The invoice replaced the provisional consumption.
    expect(m.total.ttc).toBe(14.28);
    expect(m.status).toBe('provisional');
    expect((await store.lines({ period: '2026-03' })).map(l => l.source)).toEqual([
      'ovh-bill',
    ]);

    // May: the month after March has ended and March is billed: final.
    const may = make({ now: at('2026-05-02T12:00:00Z') });
    const y1 = await may.ingest();
    expect(y1.periods).toEqual(['2026-03', '2026-04', '2026-05']);
    expect(y1.statuses['2026-03']).toBe('final');
    const june = make({ now: at('2026-06-02T12:00:00Z') });
    expect(await june.defaultPeriods()).not.toContain('2026-03');
    await db.destroy();
  });
});

