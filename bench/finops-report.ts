/**
 * FinOps benchmark: ingest three years of hourly consumption lines
 * for 50 services, then the p50/p99 of the monthly-report API over HTTP,
 * alone and under load (concurrent clients), against an anchor measured in
 * the same run: a raw SQL GROUP BY over the same table.
 *
 *   node .yarn/releases/yarn-4.13.0.cjs tsx bench/finops-report.ts [--services 50] [--years 3] [--requests 300] [--clients 8]
 *
 * Goal: API p99 <= 2x the anchor's p99, and under 50 ms (one client).
 *
 * Ingestion: the store's replaceLines (identity check, delete, insert,
 * monthly rollup, one transaction) against two raw SQLite bulk inserts of the
 * same lines, in the same run, each one prepared INSERT in one transaction per
 * month: into a table with the store's indexes (the anchor; goal: at least
 * half its rate), and into a table with no index (the ceiling).
 */
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { commandLineOrExit, countOptionOrExit, loadPlatform } from '@internal/platform';
import {
  CostLine,
  nextPeriod,
  splitHt,
} from '@internal/plugin-uyoop-finops-common';
import {
  CostStore,
  FinopsEngine,
  sqliteKnex,
} from '@internal/plugin-uyoop-finops-node';
import { createRouter } from '@internal/plugin-uyoop-finops-backend';

const usage =
  'usage: tsx bench/finops-report.ts [--services 50] [--years 3] [--requests 300] [--anchor-runs 30] [--clients 8]';
const { values } = commandLineOrExit(
  process.argv.slice(2),
  {
    services: { type: 'string' },
    years: { type: 'string' },
    requests: { type: 'string' },
    'anchor-runs': { type: 'string' },
    clients: { type: 'string' },
  },
  usage,
  { positionals: false },
);
const count = (name: string, value: string | undefined, def: number) =>
  countOptionOrExit(name, value, def, usage);
const SERVICES = count('services', values.services, 50);
const YEARS = count('years', values.years, 3);
const REQUESTS = count('requests', values.requests, 300);
const ANCHOR_RUNS = count('anchor-runs', values['anchor-runs'], 30);
const CLIENTS = count('clients', values.clients, 8);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'finops-bench-'));
  const db = sqliteKnex(join(dir, 'finops.sqlite'));
  const store = await CostStore.create(db);
  const first = '2024-01';
  const months = Array.from({ length: YEARS * 12 }, (_, i) =>
    nextPeriod(first, i),
  );
  const last = months[months.length - 1];
  const engine = new FinopsEngine({
    store,
    platform: await loadPlatform(),
    now: () => new Date(`${nextPeriod(last)}-01T00:00:00Z`),
  });

  // Ingest: one month at a time, as the scheduled ingestion does.
  let lines = 0;
  let ingestMs = 0;
  const rawMs = { indexed: 0, bare: 0 };
  // The raw anchors: better-sqlite3 straight, same file, same columns; one
  // table with the store's indexes, one with none.
  const raw = (await db.client.acquireConnection()) as {
    exec(sql: string): void;
    prepare(sql: string): { run(...v: unknown[]): void };
    transaction<T extends unknown[]>(fn: (...a: T) => void): (...a: T) => void;
  };
  raw.exec(`
    CREATE TABLE raw_indexed AS SELECT * FROM finops_cost_lines WHERE 0;
    CREATE UNIQUE INDEX raw_indexed_identity ON raw_indexed (source, period, external_id);
    CREATE INDEX raw_indexed_period ON raw_indexed (period);
    CREATE INDEX raw_indexed_bill ON raw_indexed (bill_id);
    CREATE TABLE raw_bare AS SELECT * FROM finops_cost_lines WHERE 0;
  `);
  const rawInserter = (table: string) => {
    const insert = raw.prepare(
      `INSERT INTO ${table} (period, date, source, external_id, category, node, service, description,
         ht_micro, vat_micro, ttc_micro, vat_rate, currency, estimate, bill_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return raw.transaction((batch: CostLine[]) => {
      for (const l of batch)
        insert.run(
          l.period,
          l.date,
          l.source,
          l.externalId,
          l.category,
          l.node,
          l.service,
          l.description,
          Math.round(l.amountHT * 1e6),
          Math.round(l.vat * 1e6),
          Math.round(l.amountTTC * 1e6),
          l.vatRate,
          l.currency,
          l.estimate ? 1 : 0,
          l.billId,
        );
    });
  };
  const rawIndexed = rawInserter('raw_indexed');
  const rawBare = rawInserter('raw_bare');
  await db.client.releaseConnection(raw);
  for (const period of months) {
    const [y, m] = period.split('-').map(Number);
    const hours = new Date(Date.UTC(y, m, 0)).getUTCDate() * 24;
    const batch: CostLine[] = [];
    for (let s = 0; s < SERVICES; s++) {
      const service = `svc-${String(s).padStart(2, '0')}`;
      for (let h = 0; h < hours; h++) {
        // 0.5 to 5 cents an hour, varying by service and hour.
        const htMicro = 5_000 + ((s * 7919 + h * 104729) % 45_000);
        const p = splitHt(htMicro);
        batch.push({
          period,
          date: new Date(Date.UTC(y, m - 1, 1, h)).toISOString(),
          source: 'ovh-consumption',
          externalId: `${service}/${h}`,
          category: 'compute',
          node: null,
          service,
          description: 'hourly consumption',
          amountHT: p.htMicro / 1e6,
          vatRate: 0.2,
          vat: p.vatMicro / 1e6,
          amountTTC: p.ttcMicro / 1e6,
          currency: 'EUR',
          estimate: false,
          billId: null,
        });
      }
    }
    // The three writers take turns in a rotating order, so that none is
    // always the first to meet a cold page cache.
    const writers: [string, () => Promise<void>][] = [
      ['indexed', async () => rawIndexed(batch)],
      ['bare', async () => rawBare(batch)],
      ['store', async () => void (await store.replaceLines(batch))],
    ];
    const turn = months.indexOf(period) % writers.length;
    for (const [name, write] of [
      ...writers.slice(turn),
      ...writers.slice(0, turn),
    ]) {
      const t0 = performance.now();
      await write();
      const ms = performance.now() - t0;
      if (name === 'store') ingestMs += ms;
      else rawMs[name as keyof typeof rawMs] += ms;
    }
    lines += batch.length;
  }
  const ingestSeconds = ingestMs / 1000;
  const rawSeconds = rawMs.indexed / 1000;
  const bareSeconds = rawMs.bare / 1000;

  // The monthly-report API, over HTTP on a free loopback port.
  const allow = {
    authorize: async (r: unknown[]) =>
      r.map(() => ({ result: AuthorizeResult.ALLOW })),
  } as any;
  const httpAuth = {
    credentials: async () => ({
      principal: { type: 'user', userEntityRef: 'user:default/bench' },
    }),
  } as any;
  const logger = {
    error: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    debug: () => undefined,
    child: () => logger,
  } as any;
  const app = express().use(
    '/api/finops',
    await createRouter({ engine, httpAuth, permissions: allow, logger }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/finops/reports/monthly?from=${first}&to=${last}`;
  const check = await (await fetch(url)).json();
  for (let i = 0; i < 20; i++) await (await fetch(url)).arrayBuffer(); // warm-up
  const api: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    api.push(performance.now() - t);
  }
  // Under load: CLIENTS clients, each sending its next request as soon as
  // the previous one is answered.
  const loaded: number[] = [];
  const l0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < Math.ceil(REQUESTS / CLIENTS); i++) {
        const t = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        loaded.push(performance.now() - t);
      }
    }),
  );
  const loadedSeconds = (performance.now() - l0) / 1000;
  server.close();

  // Anchor: the raw GROUP BY over the same lines, same range.
  const anchorSql = `SELECT period, service, SUM(ht_micro) ht, SUM(vat_micro) vat, SUM(ttc_micro) ttc
    FROM finops_cost_lines WHERE period BETWEEN ? AND ? GROUP BY period, service`;
  const anchor: number[] = [];
  let anchorRows = 0;
  for (let i = 0; i < ANCHOR_RUNS + 3; i++) {
    const t = performance.now();
    const rows = await db.raw(anchorSql, [first, last]);
    if (i >= 3) anchor.push(performance.now() - t);
    anchorRows = rows.length;
  }
  // Same answer: the API's total for the last month equals the anchor's.
  const lastRows = (
    await db.raw(
      `SELECT SUM(ttc_micro) ttc FROM finops_cost_lines WHERE period = ?`,
      [last],
    )
  )[0];
  const apiLast = check.months[check.months.length - 1].total.ttc;
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });

  const apiP99 = pct(api, 99);
  const anchorP99 = pct(anchor, 99);
  console.log(
    `finops bench: ${lines} hourly lines (${SERVICES} services x ${
      months.length
    } months) ingested in ${ingestSeconds.toFixed(1)} s (${Math.round(
      lines / ingestSeconds,
    )} lines/s)`,
  );
  console.log(
    `anchor raw SQLite bulk insert of the same lines: ${rawSeconds.toFixed(
      1,
    )} s (${Math.round(
      lines / rawSeconds,
    )} lines/s) into a table with the store's indexes; ${bareSeconds.toFixed(
      1,
    )} s (${Math.round(lines / bareSeconds)} lines/s) into a table with no index`,
  );
  console.log(
    `ratio ingestion / raw indexed rate: ${(rawSeconds / ingestSeconds).toFixed(
      3,
    )} (goal >= 0.5); ingestion / raw no-index rate: ${(
      bareSeconds / ingestSeconds
    ).toFixed(3)}`,
  );
  console.log(
    `monthly-report API (HTTP, ${REQUESTS} requests, ${
      check.months.length
    } months x ${
      Object.keys(check.months[0].byService).length
    } services): p50 ${pct(api, 50).toFixed(2)} ms, p99 ${apiP99.toFixed(
      2,
    )} ms`,
  );
  console.log(
    `anchor raw SQL GROUP BY (${ANCHOR_RUNS} runs, ${anchorRows} rows): p50 ${pct(
      anchor,
      50,
    ).toFixed(2)} ms, p99 ${anchorP99.toFixed(2)} ms`,
  );
  const loadedP99 = pct(loaded, 99);
  console.log(
    `monthly-report API under load (${CLIENTS} concurrent clients, ${
      loaded.length
    } requests, ${Math.round(loaded.length / loadedSeconds)} req/s): p50 ${pct(
      loaded,
      50,
    ).toFixed(2)} ms, p99 ${loadedP99.toFixed(2)} ms; ratio p99 / anchor p99: ${(
      loadedP99 / anchorP99
    ).toFixed(3)}x`,
  );
  console.log(
    `same total for ${last}: API ${apiLast} EUR TTC, SQL ${(
      Number(lastRows.ttc) / 1e6
    ).toFixed(2)} EUR TTC`,
  );
  console.log(
    `ratio API p99 / anchor p99: ${(apiP99 / anchorP99).toFixed(
      3,
    )}x (goal <= 2x); API p99 ${apiP99 < 50 ? 'under' : 'OVER'} 50 ms`,
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
