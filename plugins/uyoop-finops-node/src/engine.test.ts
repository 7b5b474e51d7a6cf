import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform } from '@internal/platform';
import { accessRules } from './credentials';
import { FinopsEngine } from './engine';
import { createOvhApi } from './ovh/client';
import { sqliteKnex } from './open';
import { CostStore } from './store/store';
import {
  FIXTURE_KEYS,
  FIXTURE_PROJECT,
  ovhFixtureAccount,
  OvhContractServer,
  startOvhContractServer,
  trustContractServer,
} from './testUtils';

let platform: Platform;
beforeAll(async () => {
  platform = await loadPlatform();
});

const november = () => new Date('2026-11-20T12:00:00Z');

async function estimateEngine(
  extra: Partial<ConstructorParameters<typeof FinopsEngine>[0]> = {},
) {
  const db = sqliteKnex(':memory:');
  const store = await CostStore.create(db);
  return {
    db,
    store,
    engine: new FinopsEngine({ store, platform, now: november, ...extra }),
  };
}

describe('without OVH credentials (the embedded default)', () => {
  it("reproduces the dossier's figures from the seeded data, labelled estimate", async () => {
    const { engine, db } = await estimateEngine();
    const result = await engine.ingest();
    expect(result.estimate).toBe(true);
    expect(result.periods[0]).toBe('2026-02');
    const r = await engine.legacyReport();
    expect(r.estimate).toBe(true);
    expect(r.legacy.annualHT).toBe(395.12);
    expect(r.sovereign.fixedTTC).toBe(24.28);
    expect(r.sovereign.optimisedApproxTTC).toBe(28);
    expect(r.sovereign.fullPackageApproxTTC).toBe(35);
    const monthly = await engine.monthlyReport('2026-02', '2026-11');
    const total = (p: string) =>
      monthly.months.find(m => m.period === p)!.total;
    // Phase 1: core node + domains + S3 buffer; from April with the AI node.
    expect(total('2026-03').ttc).toBe(27.28);
    expect(total('2026-11').ttc).toBe(34.48);
    expect(monthly.months.every(m => m.estimate)).toBe(true);
    await db.destroy();
  });

  it('re-ingesting the same periods creates no duplicates', async () => {
    const { engine, store, db } = await estimateEngine();
    await engine.ingest(['2026-10', '2026-11']);
    const before = await store.lines();
    await engine.ingest(['2026-10', '2026-11']);
    await engine.ingest(['2026-11']);
    expect(await store.lines()).toEqual(before);
    expect(
      (await engine.monthlyReport('2026-11', '2026-11')).months[0].total.ttc,
    ).toBe(34.48);
    await db.destroy();
  });

  it('keeps HT + VAT = TTC on every line and every reported total', async () => {
    const { engine, store, db } = await estimateEngine();
    await engine.ingest();
    for (const l of await store.lines())
      expect(Math.round((l.amountHT + l.vat) * 1e6)).toBe(
        Math.round(l.amountTTC * 1e6),
      );
    for (const m of (await engine.monthlyReport('2026-01', '2026-12')).months) {
      expect(Math.round((m.total.ht + m.total.vat) * 100)).toBe(
        Math.round(m.total.ttc * 100),
      );
      for (const t of Object.values(m.byService))
        expect(Math.round((t.ht + t.vat) * 100)).toBe(Math.round(t.ttc * 100));
    }
    await db.destroy();
  });

  it('splits node costs over the catalog namespaces when no cluster is configured, and rolls up to Systems', async () => {
    const { engine, db } = await estimateEngine();
    await engine.ingest(['2026-11']);
    const services = await engine.breakdown('2026-11', 'service');
    expect(services.method).toBe('catalog-even-split');
    expect(services.rows.find(r => r.key === 'mailcow')!.system).toBe('mail');
    const systems = await engine.breakdown('2026-11', 'system');
    const sum = systems.rows.reduce((s, r) => s + r.ttc, 0) + systems.idle.ttc;
    expect(Math.round(sum * 100) / 100).toBeCloseTo(34.48, 1);
    await db.destroy();
  });

  it('evaluates the default budgets against the month, TTC', async () => {
    const { engine, db } = await estimateEngine();
    await engine.ingest(['2026-11']);
    const b = await engine.budgetReport('2026-11');
    const all = b.budgets.find(x => x.budget.scope.type === 'all')!;
    expect(all.spent).toBe(34.48);
    expect(all.status).toBe('warning');
    expect(all.basis).toBe('TTC');
    await db.destroy();
  });

  it('imports manual entries (a domain paid elsewhere, a one-off cost) and counts one-offs in the payback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finops-manual-'));
    writeFileSync(
      join(dir, 'extra.csv'),
      'period,category,description,amount,basis\n2026-11,domain,"example.org at Gandi, yearly share",1.50,HT\n',
    );
    writeFileSync(
      join(dir, 'oneoff.yaml'),
      'entries:\n  - { period: 2026-02, category: one-off, description: Migration week-end, amount: 120, basis: TTC }\n',
    );
    const { engine, store, db } = await estimateEngine({
      manualFiles: [join(dir, 'extra.csv'), join(dir, 'oneoff.yaml')],
    });
    await engine.ingest();
    await engine.ingest();
    const manual = await store.lines({ source: 'manual' });
    expect(manual.map(l => [l.period, l.amountHT, l.amountTTC])).toEqual([
      ['2026-02', 100, 120],
      ['2026-11', 1.5, 1.8],
    ]);
    const r = await engine.legacyReport();
    expect(r.optimised.oneOffTTC).toBe(120);
    expect(r.optimised.paybackMonths).toBe(9.81);
    await db.destroy();
  });
});

describe('with OVH credentials', () => {
  let server: OvhContractServer;
  beforeAll(async () => {
    server = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: ovhFixtureAccount(['2026-09', '2026-10', '2026-11']),
    });
    trustContractServer(server);
  });
  afterAll(() => server.close());

  const ovhEngine = async () => {
    const { db, store } = await estimateEngine();
    const ovh = createOvhApi(
      { ...FIXTURE_KEYS, endpoint: 'ovh-eu' },
      { host: server.host, port: server.port, backoffMs: 1 },
    );
    return {
      db,
      store,
      engine: new FinopsEngine({
        store,
        platform,
        ovh,
        cloudProjectId: FIXTURE_PROJECT,
        now: november,
      }),
    };
  };

  it('stores invoice lines, replaces the estimates, and measures the sovereign cost from the invoices', async () => {
    const { engine, store, db } = await ovhEngine();
    const res = await engine.ingest(['2026-09', '2026-10']);
    expect(res.sources).toEqual(['ovh-bill']);
    await engine.ingest(['2026-10']);
    expect(await store.lines({ period: '2026-10' })).toHaveLength(5);
    const invoices = await engine.invoices();
    expect(invoices.map(i => i.ttc)).toEqual([34.48, 34.48]);
    const detail = await engine.invoiceDetails(invoices[0].billId);
    expect(detail.map(l => l.node ?? l.service ?? l.category)).toEqual([
      'core-prod',
      'ai-lab',
      'uyoop-fr',
      'cgenti-com',
      'storage',
    ]);
    const r = await engine.legacyReport();
    expect(r.estimate).toBe(false);
    expect(r.measured).toEqual({ period: '2026-10', ttc: 34.48 });
    expect(r.sovereign.lines.find(l => l.id === 'vps-3')).toMatchObject({
      monthly: 14.28,
      fromInvoice: true,
    });
    await db.destroy();
  });

  it('forecasts the running month from OVH and by linear projection', async () => {
    const { engine, db } = await ovhEngine();
    await engine.ingest(['2026-09', '2026-10', '2026-11']);
    const f = await engine.forecast(2);
    expect(f.history.map(h => h.period)).toEqual([
      '2026-09',
      '2026-10',
      '2026-11',
    ]);
    expect(f.linear).toEqual([
      { period: '2026-11', value: 34.48 },
      { period: '2026-12', value: 34.48 },
    ]);
    expect(f.ovh).toEqual({ period: '2026-11', value: 40.48 });
    await db.destroy();
  });
});
