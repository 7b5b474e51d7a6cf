import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform, repoRoot } from '@internal/platform';
import { dossierTotals } from '@internal/plugin-uyoop-finops-common';
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

/** A copy of the repository's catalog, with one node's price changed. */
async function catalogWithPrice(node: string, amount: string) {
  const root = mkdtempSync(join(tmpdir(), 'finops-catalog-'));
  cpSync(join(repoRoot, 'catalog'), join(root, 'catalog'), { recursive: true });
  cpSync(join(repoRoot, 'catalog-info.yaml'), join(root, 'catalog-info.yaml'));
  const file = join(root, 'catalog', 'nodes.yaml');
  const text = readFileSync(file, 'utf8');
  const key = 'uyoop.io/monthly-price-eur:';
  const start = text.indexOf(key, text.indexOf(`name: ${node}\n`));
  const eol = text.indexOf('\n', start);
  writeFileSync(
    file,
    `${text.slice(0, start)}${key} '${amount}'${text.slice(eol)}`,
  );
  return loadPlatform({ root });
}

async function engineOn(platform: Platform, extra = {}) {
  const db = sqliteKnex(':memory:');
  const store = await CostStore.create(db);
  return {
    db,
    engine: new FinopsEngine({
      store,
      platform,
      now: () => new Date('2026-11-20T12:00:00Z'),
      ...extra,
    }),
  };
}

describe('one source for each price', () => {
  it("reproduces the dossier's stated totals from the catalog's node prices", async () => {
    const { engine, db } = await engineOn(await loadPlatform());
    await engine.ingest(['2026-11']);
    const r = await engine.legacyReport();
    expect(r.sovereign.fixedTTC).toBe(dossierTotals.fixedTTC);
    expect(r.sovereign.optimisedApproxTTC).toBe(dossierTotals.optimisedTTC);
    expect(r.sovereign.fullPackageApproxTTC).toBe(dossierTotals.fullPackageTTC);
    await db.destroy();
    // The first test of the file also loads the catalog and opens SQLite cold.
  }, 30_000);

  it('follows a node price changed in the catalog, in the estimates and in the sovereign target', async () => {
    const platform = await catalogWithPrice('core-prod', '20.00');
    expect(platform.nodes.find(n => n.name === 'core-prod')!.monthlyPrice.amount).toBe(20);
    const { engine, db } = await engineOn(platform);
    await engine.ingest(['2026-11']);
    const month = (await engine.monthlyReport('2026-11', '2026-11')).months[0];
    // 20.00 + 7.20 (ai-lab) + 10.00 (domains) + 3.00 (S3 buffer)
    expect(month.total.ttc).toBe(40.2);
    const r = await engine.legacyReport();
    expect(r.sovereign.fixedTTC).toBe(30);
    expect(r.sovereign.lines.find(l => l.node === 'core-prod')!.monthly).toBe(20);
    await db.destroy();
  });
});

describe('invoices that differ from the estimates (contract server)', () => {
  let server: OvhContractServer;
  beforeAll(async () => {
    // core-prod invoiced 12.40 HT (14.88 TTC), ai-lab 6.50 HT (7.80 TTC): not the catalog's prices.
    server = await startOvhContractServer({
      ...FIXTURE_KEYS,
      rules: accessRules(FIXTURE_PROJECT),
      account: ovhFixtureAccount(['2026-09', '2026-10'], {
        vps3HT: 12.4,
        vps2HT: 6.5,
      }),
    });
    trustContractServer(server);
  });
  afterAll(() => server.close());

  it('shows the invoice figures, labelled as invoices, and no estimate label', async () => {
    const ovh = createOvhApi(
      { ...FIXTURE_KEYS, endpoint: 'ovh-eu', cloudProjectId: FIXTURE_PROJECT },
      { host: server.host, port: server.port },
    );
    const { engine, db } = await engineOn(await loadPlatform(), {
      ovh,
      cloudProjectId: FIXTURE_PROJECT,
    });
    await engine.ingest(['2026-09', '2026-10']);
    const months = (await engine.monthlyReport('2026-09', '2026-10')).months;
    expect(months.map(m => [m.period, m.estimate, m.status])).toEqual([
      ['2026-09', false, 'final'],
      // October's usage could still be billed in November.
      ['2026-10', false, 'provisional'],
    ]);
    const costs = await engine.entityCost('node', 'core-prod');
    expect(costs.estimate).toBe(false);
    expect(costs.months.find(m => m.period === '2026-10')!.ttc).toBe(14.88);
    const r = await engine.legacyReport();
    expect(r.estimate).toBe(false);
    expect(r.measured?.period).toBe('2026-10');
    const vps3 = r.sovereign.lines.find(l => l.id === 'vps-3')!;
    expect([vps3.monthly, vps3.fromInvoice]).toEqual([14.88, true]);
    const vps2 = r.sovereign.lines.find(l => l.id === 'vps-2')!;
    expect([vps2.monthly, vps2.fromInvoice]).toEqual([7.8, true]);
    await db.destroy();
  });
});
