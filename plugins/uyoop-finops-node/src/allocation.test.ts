import { loadPlatform, Platform } from '@internal/platform';
import type { ClusterUsage } from './cluster';
import { FinopsEngine } from './engine';
import { sqliteKnex } from './open';
import { CostStore } from './store/store';

let platform: Platform;
let namespaces: string[];
beforeAll(async () => {
  platform = await loadPlatform();
  namespaces = [
    ...new Set(
      platform.services
        .filter(s => s.nodes.includes('core-prod') && s.runtime === 'k3s')
        .map(s => s.namespace),
    ),
  ].sort();
});

/** core-prod as the cluster reports it, with all requests in one namespace. */
const usage = (namespace: string, cpu: number): ClusterUsage => ({
  nodes: [{ name: 'core-prod', cpu: 8, memoryGiB: 24 }],
  requests: { 'core-prod': [{ namespace, cpu, memoryGiB: cpu * 3 }] },
});

const byNamespace = async (engine: FinopsEngine, period: string) =>
  Object.fromEntries(
    (await engine.breakdown(period, 'namespace')).rows.map(r => [r.key, r.ttc]),
  );

describe('allocation history', () => {
  it("keeps a past month's allocation when it is re-ingested after the cluster changed", async () => {
    const db = sqliteKnex(':memory:');
    const store = await CostStore.create(db);
    const [first, second] = namespaces;
    let cluster = usage(first, 4);
    const engine = (now: string) =>
      new FinopsEngine({
        store,
        platform,
        cluster: async () => cluster,
        now: () => new Date(now),
      });

    const march = engine('2026-03-20T12:00:00Z');
    const ran = await march.ingest(['2026-03']);
    expect(ran.allocations['2026-03']).toBe('cluster-requests');
    const before = await byNamespace(march, '2026-03');
    expect(before[first]).toBeGreaterThan(0);
    expect(before[second]).toBeUndefined();

    // In April the requests moved to another namespace.
    cluster = usage(second, 6);
    const april = engine('2026-04-10T12:00:00Z');
    await april.ingest(['2026-03', '2026-04']);
    expect(await byNamespace(april, '2026-03')).toEqual(before);
    const now = await byNamespace(april, '2026-04');
    expect(now[second]).toBeGreaterThan(0);
    expect(now[first]).toBeUndefined();
    await db.destroy();
  });

  it('labels a past month that has no snapshot of the cluster, instead of allocating it with today’s requests', async () => {
    const db = sqliteKnex(':memory:');
    const store = await CostStore.create(db);
    const engine = new FinopsEngine({
      store,
      platform,
      cluster: async () => usage(namespaces[0], 4),
      now: () => new Date('2026-04-10T12:00:00Z'),
    });
    const ran = await engine.ingest(['2026-02', '2026-04']);
    expect(ran.allocations).toEqual({
      '2026-02': 'no-snapshot',
      '2026-04': 'cluster-requests',
    });
    expect((await engine.breakdown('2026-02', 'service')).method).toBe(
      'no-snapshot',
    );
    const months = (await engine.monthlyReport('2026-02', '2026-04')).months;
    expect(months.map(m => [m.period, m.allocation])).toEqual([
      ['2026-02', 'no-snapshot'],
      ['2026-04', 'cluster-requests'],
    ]);
    await db.destroy();
  });
});
