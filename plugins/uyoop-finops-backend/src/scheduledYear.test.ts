import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform } from '@internal/platform';
import {
  accessRules,
  ClusterUsage,
  CostStore,
  createOvhApi,
  FinopsEngine,
  SourceChange,
  sqliteKnex,
} from '@internal/plugin-uyoop-finops-node';
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
} from '@internal/plugin-uyoop-finops-node/src/testUtils';
import { runScheduledIngestion } from './scheduled';

/*
 * A year of the scheduled task, one run a day with an injected clock, against
 * the OVH contract server (signed requests, real answer shapes). OVH issues
 * each month's bill some days into the next month; the pods' requests move
 * to another namespace on July 1; manual entries are imported once, in March.
 * At the end every month's total, status and allocation are compared with
 * figures computed here from the bills themselves, not by the engine.
 */

const YEAR = 2026;
const months = Array.from(
  { length: 12 },
  (_, i) => `${YEAR}-${String(i + 1).padStart(2, '0')}`,
);

/**
 * Day on which OVH issues the bill of month M (January..November): some days
 * into the next month, on its last day for June, and for September only on
 * November 20, two months late.
 */
const ISSUED_ON: Record<string, number> = Object.fromEntries(
  [3, 12, 27, 5, 20, 31, 10, 25, 0, 15, 28].map((day, m) => [
    m === 8
      ? `${YEAR}-11-20`
      : `${YEAR}-${String(m + 2).padStart(2, '0')}-${String(day).padStart(
          2,
          '0',
        )}`,
    m,
  ]),
);

/** Bill items HT of month index m (0 = January): the VPS price rises over the year. */
const items = (m: number) => ({
  core: Math.round((11.9 + 0.1 * m) * 100) / 100,
  ai: 6.0,
  storage: Math.round((2.5 + 0.05 * m) * 100) / 100,
});

/** The provisional storage consumption OVH reports on day `d` of a month, HT. */
const consumptionOn = (d: number) => Math.round(0.05 * d * 100) / 100;

const ttc = (ht: number) => Math.round(ht * 1.2 * 100) / 100;
const sum = (xs: number[]) =>
  Math.round(xs.reduce((s, x) => s + x, 0) * 100) / 100;

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() };

let platform: Platform;
let server: OvhContractServer;
let account: OvhAccount;
let first: string;
let second: string;

beforeAll(async () => {
  platform = await loadPlatform();
  // Two namespaces the catalog places on core-prod.
  [first, second] = [
    ...new Set(
      platform.services
        .filter(s => s.nodes.includes('core-prod') && s.runtime === 'k3s')
        .map(s => s.namespace),
    ),
  ].sort();
  account = ovhFixtureAccount([]);
  account.cloud = {};
  account.consumption.history = [];
  server = await startOvhContractServer({
    ...FIXTURE_KEYS,
    rules: accessRules(FIXTURE_PROJECT),
    account,
  });
  trustContractServer(server);
  // Loading the catalog and making the server's certificate take seconds on a loaded machine.
}, 60_000);
afterAll(() => server.close());

/** The cluster as kubectl would show it: half of core-prod requested before July, three quarters after. */
const clusterOn = (day: Date): ClusterUsage => {
  const nodes = [
    { name: 'core-prod', cpu: 8, memoryGiB: 24 },
    { name: 'ai-lab', cpu: 4, memoryGiB: 12 },
  ];
  return day < new Date(`${YEAR}-07-01T00:00:00Z`)
    ? {
        nodes,
        requests: {
          'core-prod': [{ namespace: first, cpu: 4, memoryGiB: 12 }],
        },
      }
    : {
        nodes,
        requests: {
          'core-prod': [{ namespace: second, cpu: 6, memoryGiB: 18 }],
        },
      };
};

describe('a year of daily scheduled ingestions', () => {
  it('ends with every month billed, allocated with its own requests, and manual entries kept, with no line lost or counted twice', async () => {
    const db = sqliteKnex(':memory:');
    const store = await CostStore.create(db);
    let today = new Date(`${YEAR}-01-01T06:00:00Z`);
    const now = () => today;
    const engine = new FinopsEngine({
      store,
      platform,
      ovh: createOvhApi(
        { ...FIXTURE_KEYS, endpoint: 'ovh-eu' },
        { host: server.host, port: server.port, backoffMs: 1 },
      ),
      cluster: async () => clusterOn(today),
      logger,
      now,
    });
    const dir = mkdtempSync(join(tmpdir(), 'finops-year-'));
    const manualFile = join(dir, 'extra.csv');
    writeFileSync(
      manualFile,
      [
        'period,category,description,amount,basis',
        `${YEAR}-03,one-off,Migration week-end,120,TTC`,
        `${YEAR}-08,domain,"example.org at Gandi, yearly share",1.50,HT`,
      ].join('\n'),
    );

    const changes: SourceChange[] = [];
    let runs = 0;
    for (let day = 0; day < 365; day++) {
      today = new Date(Date.UTC(YEAR, 0, 1 + day, 6));
      const period = today.toISOString().slice(0, 7);
      const m = months.indexOf(period);
      const dom = today.getUTCDate();
      // What OVH holds today: the running month's consumption so far, and the
      // bill of the previous month once issued.
      account.consumption.current = [
        fixtureConsumption(100 + m, period, consumptionOn(dom)),
      ];
      const billed = ISSUED_ON[today.toISOString().slice(0, 10)];
      if (billed !== undefined) {
        const it = items(billed);
        account.bills.push(
          fixtureBill(
            `FR${YEAR}${String(billed + 1).padStart(2, '0')}`,
            months[billed],
            today.toISOString().slice(0, 10),
            [
              {
                description: 'VPS-3 monthly rental',
                domain: FIXTURE_VPS['core-prod'],
                ht: it.core,
                planCode: 'vps-2025-model3',
              },
              {
                description: 'VPS-2 monthly rental',
                domain: FIXTURE_VPS['ai-lab'],
                ht: it.ai,
                planCode: 'vps-2025-model2',
              },
              {
                description: 'Public Cloud Object Storage',
                domain: FIXTURE_PROJECT,
                ht: it.storage,
                planCode: 'storage-standard',
              },
            ],
          ),
        );
      }
      if (period === `${YEAR}-03` && dom === 15) {
        // `finops ingest --manual extra.csv`, once.
        const r = await engine.ingest(undefined, { manualFiles: [manualFile] });
        changes.push(...r.changes);
      }
      const run = await runScheduledIngestion({ engine, store, logger, now });
      expect(run.errors).toEqual([]);
      changes.push(...run.ingested!.changes);
      runs++;
    }
    expect(runs).toBe(365);
    expect(logger.error).not.toHaveBeenCalled();

    // Independent expectations, from the bills and the manual file.
    const manualTtc: Record<string, number> = {
      [`${YEAR}-03`]: 120,
      [`${YEAR}-08`]: ttc(1.5),
    };
    const expected = months.map((period, m) => {
      const billed = m < 11;
      const it = items(m);
      const ovh = billed
        ? sum([ttc(it.core), ttc(it.ai), ttc(it.storage)])
        : ttc(consumptionOn(31));
      return {
        period,
        total: sum([ovh, manualTtc[period] ?? 0]),
        // Final once billed and the month after has ended.
        status: m <= 9 ? 'final' : 'provisional',
        coreHT: billed ? it.core : 0,
      };
    });

    const report = await engine.monthlyReport(months[0], months[11]);
    expect(
      report.months.map(x => ({
        period: x.period,
        total: x.total.ttc,
        status: x.status,
      })),
    ).toEqual(
      expected.map(e => ({
        period: e.period,
        total: e.total,
        status: e.status,
      })),
    );

    // Each line once: every bill detail, the December consumption, the two manual entries.
    const lines = await store.lines();
    const keys = lines.map(l => `${l.source}|${l.period}|${l.externalId}`);
    expect(new Set(keys).size).toBe(keys.length);
    const count = (source: string, period?: string) =>
      lines.filter(l => l.source === source && (!period || l.period === period))
        .length;
    for (const [m, period] of months.entries()) {
      expect([period, count('ovh-bill', period)]).toEqual([
        period,
        m < 11 ? 3 : 0,
      ]);
      expect([period, count('ovh-consumption', period)]).toEqual([
        period,
        m < 11 ? 0 : 1,
      ]);
    }
    expect(
      lines
        .filter(l => l.source === 'manual')
        .map(l => [l.period, l.amountTTC]),
    ).toEqual([
      [`${YEAR}-03`, 120],
      [`${YEAR}-08`, 1.8],
    ]);
    // What the runs reported adds up to what is stored: nothing added twice,
    // nothing removed without being reported.
    const net = changes.reduce((s, c) => s + c.added - c.removed, 0);
    expect(net).toBe(lines.length);

    // Allocation: each month with the requests observed during it, even
    // for months re-read in a later month because their bill came late.
    // A share is shown as its HT and its VAT, each to the cent (in whole
    // cents here, so that 9.525 rounds up as it does on paper).
    const shareOf = (ht: number, share: number) => {
      const htCents = Math.round(ht * 100);
      const vatCents = Math.round(htCents * 0.2);
      return (Math.round(htCents * share) + Math.round(vatCents * share)) / 100;
    };
    for (const e of expected) {
      const b = await engine.breakdown(e.period, 'namespace');
      expect([e.period, b.method]).toEqual([e.period, 'cluster-requests']);
      const row = (ns: string) => b.rows.find(r => r.key === ns)?.ttc ?? 0;
      const before = e.period < `${YEAR}-07`;
      expect([e.period, row(first)]).toEqual([
        e.period,
        before ? expect.closeTo(shareOf(e.coreHT, 0.5), 2) : 0,
      ]);
      expect([e.period, row(second)]).toEqual([
        e.period,
        before ? 0 : expect.closeTo(shareOf(e.coreHT, 0.75), 2),
      ]);
    }

    // The gauges of the last run describe December.
    const { samples } = await store.metricSamples();
    expect(
      samples.find(
        s =>
          s.name === 'uyoop_finops_cost_month_total_eur' &&
          s.labels.basis === 'TTC',
      )?.value,
    ).toBe(expected[11].total);
    await db.destroy();
  }, 600_000);
});
