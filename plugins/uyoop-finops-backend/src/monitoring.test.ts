import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlatform, repoRoot, zxRunner } from '@internal/platform';
import {
  CostStore,
  FinopsEngine,
  sqliteKnex,
} from '@internal/plugin-uyoop-finops-node';
import { refreshFinopsMetrics, renderFinopsMetrics } from './metrics';

const monitoring = join(repoRoot, 'infra', 'monitoring');
const names = (text: string) =>
  new Set(text.match(/uyoop_finops_[a-z_]+/g) ?? []);

describe('infra/monitoring', () => {
  it('the budget alert rule passes `promtool test rules`', async () => {
    // promtool comes from Debian's prometheus package (scripts/prepare.d/finops.sh).
    const { stdout: out } = await zxRunner.run(
      'promtool',
      [
        'test',
        'rules',
        join(monitoring, 'prometheus', 'tests', 'finops.test.yml'),
      ],
      { timeoutMs: 60_000 },
    );
    expect(out).toMatch(/SUCCESS/);
  });

  it('the rule and the Grafana "FinOps" dashboard only use metrics the backend exports', async () => {
    const db = sqliteKnex(':memory:');
    const store = await CostStore.create(db);
    const engine = new FinopsEngine({
      store,
      platform: await loadPlatform(),
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
    await engine.ingest(['2026-11']);
    await refreshFinopsMetrics(
      engine,
      store,
      () => new Date('2026-11-20T12:00:00Z'),
    );
    const exported = names((await renderFinopsMetrics(store)).body);
    await db.destroy();
    const dashboard = JSON.parse(
      readFileSync(
        join(monitoring, 'grafana', 'dashboards', 'finops.json'),
        'utf8',
      ),
    );
    expect(dashboard.title).toBe('FinOps');
    const used = new Set([
      ...names(
        readFileSync(
          join(monitoring, 'prometheus', 'rules', 'finops.rules.yml'),
          'utf8',
        ),
      ),
      ...names(JSON.stringify(dashboard.panels)),
    ]);
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter(n => !exported.has(n))).toEqual([]);
  });
});
