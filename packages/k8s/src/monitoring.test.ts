import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlatform, repoRoot, runSync } from '@internal/platform';
import { parse } from 'yaml';
import { ruleGroups, RULES_FILE } from '.';

// promtool comes from Debian's prometheus package (scripts/prepare.d/monitoring.sh).
const TESTS = join(
  repoRoot,
  'infra',
  'monitoring',
  'prometheus',
  'tests',
  'platform.test.yml',
);

describe("the platform's alert rules", () => {
  it('pass `promtool check rules`', () => {
    const out = runSync('promtool', ['check', 'rules', join(repoRoot, RULES_FILE)]).stdout;
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass `promtool test rules`, and every alert has a case that fires it', async () => {
    const out = runSync('promtool', ['test', 'rules', TESTS]).stdout;
    expect(out).toMatch(/SUCCESS/);
    const tests = parse(await readFile(TESTS, 'utf8'));
    const fired = new Set<string>(
      tests.tests.flatMap((t: any) =>
        t.alert_rule_test
          .filter((a: any) => a.exp_alerts.length > 0)
          .map((a: any) => a.alertname),
      ),
    );
    const alerts = ruleGroups(await loadPlatform()).flatMap(g =>
      g.rules.map(r => r.alert),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(11);
    expect(alerts.filter(a => !fired.has(a))).toEqual([]);
  });

  it('cover the nodes, the web, the backups and security', async () => {
    const groups = ruleGroups(await loadPlatform());
    expect(groups.map(g => g.name)).toEqual([
      'uyoop-nodes',
      'uyoop-web',
      'uyoop-backup',
      'uyoop-security',
    ]);
    // The AI node is found by its taint, and matched by its mesh address.
    const cpu = groups[0].rules.find(r => r.alert === 'AiLabCpuSaturated')!;
    expect(cpu.expr).toContain('instance=~"10\\\\.80\\\\.0\\\\.2:.*"');
  });
});
