import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPlatform,
  Platform,
  readVersions,
  repoRoot,
  runSync,
  startService,
  zxRunner,
} from '@internal/platform';
import { freePort } from '@internal/testbed/src/databases';
import { until } from '@internal/testbed';
import { parser } from '@prometheus-io/lezer-promql';
import { parse, stringify } from 'yaml';
import {
  backupsDashboard,
  dashboardFiles,
  DASHBOARDS_DIR,
  nodesDashboard,
} from './dashboards';
import { BACKUP_MAX_AGE_HOURS } from './rules';

type Dashboard = ReturnType<typeof nodesDashboard>;
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  fieldConfig?: {
    defaults: { thresholds?: { steps: { value: number | null }[] } };
  };
}

const RULES_DIR = join(repoRoot, 'infra', 'monitoring', 'prometheus', 'rules');

/** The metric names a PromQL expression selects, read by Prometheus's own grammar. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError)
      throw new Error(`not PromQL at ${cursor.from}: ${expr}`);
    if (
      cursor.name === 'Identifier' &&
      cursor.node.parent?.name === 'VectorSelector'
    )
      names.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return names;
}

const panels = (d: Dashboard) => (d.panels ?? []) as unknown as Panel[];
const exprs = (d: Dashboard) =>
  panels(d).flatMap(p =>
    (p.targets ?? []).map(t => ({ panel: p.title, expr: t.expr })),
  );

/** Each metric a dashboard queries that is not in `known`, with its panel. */
function unknownMetrics(d: Dashboard, known: Set<string>): string[] {
  return exprs(d).flatMap(({ panel, expr }) =>
    metricNames(expr)
      .filter(n => !known.has(n))
      .map(n => `${d.title} / ${panel}: ${n}`),
  );
}

/** What Debian's node_exporter exports on this machine, read from its own /metrics. */
async function nodeExporterMetrics(): Promise<Set<string>> {
  const port = await freePort();
  const exporter = startService({
    cmd: 'prometheus-node-exporter',
    args: [`--web.listen-address=127.0.0.1:${port}`],
  });
  try {
    const text = await until(
      'node_exporter answering',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        return res.ok ? res.text() : undefined;
      },
      20_000,
    ).catch(e => {
      throw new Error(`${(e as Error).message}\n${exporter.output()}`);
    });
    return new Set(
      text
        .split('\n')
        .filter(l => l && !l.startsWith('#'))
        .map(l => l.split(/[{ ]/)[0]),
    );
  } finally {
    await exporter.stop();
  }
}

/**
 * Velero's metric names, from pkg/metrics of the Velero release the platform
 * runs (VELERO_VERSION): the Go module the testbed builds its server from.
 * Most of its series only appear once a schedule or restore has run, so a
 * scrape of a fresh server would not list them all.
 */
async function veleroMetrics(): Promise<Set<string>> {
  const { VELERO_VERSION } = await readVersions();
  const dir = mkdtempSync(join(tmpdir(), 'uyoop-velero-src-'));
  let moduleDir: string;
  try {
    const { stdout } = await zxRunner.run(
      'go',
      [
        'mod',
        'download',
        '-json',
        `github.com/vmware-tanzu/velero@${VELERO_VERSION}`,
      ],
      {
        cwd: dir,
        env: { PATH: `${process.env.PATH}:/usr/local/go/bin` },
        timeoutMs: 90_000,
      },
    );
    moduleDir = JSON.parse(stdout).Dir;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const source = await readFile(
    join(moduleDir, 'pkg', 'metrics', 'metrics.go'),
    'utf8',
  );
  const constants = new Map(
    [...source.matchAll(/^\s*(\w+)\s*=\s*"(\w+)"/gm)].map(m => [m[1], m[2]]),
  );
  const names = new Set<string>();
  for (const m of source.matchAll(
    /prometheus\.New(\w+?)(?:Vec)?\(\s*prometheus\.\w+Opts\{\s*Namespace:\s*(\w+),\s*Name:\s*(\w+),/g,
  )) {
    const name = `${constants.get(m[2])}_${constants.get(m[3])}`;
    names.add(name);
    if (m[1] === 'Histogram' || m[1] === 'Summary')
      for (const suffix of ['_bucket', '_sum', '_count'])
        names.add(name + suffix);
  }
  return names;
}

/** Every metric the committed alert rules use (the exporters of the rules: WireGuard, restic, blackbox...). */
async function ruleMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of readdirSync(RULES_DIR).filter(f => f.endsWith('.yml'))) {
    const doc = parse(await readFile(join(RULES_DIR, file), 'utf8'));
    for (const group of doc.groups)
      for (const rule of group.rules)
        for (const n of metricNames(rule.expr)) names.add(n);
  }
  return names;
}

let platform: Platform;
let known: Set<string>;
let velero: Set<string>;
let nodeExporter: Set<string>;

beforeAll(async () => {
  platform = await loadPlatform();
  [velero, nodeExporter] = await Promise.all([
    veleroMetrics(),
    nodeExporterMetrics(),
  ]);
  known = new Set([...velero, ...nodeExporter, ...(await ruleMetrics())]);
}, 120_000);

describe('the Grafana dashboards of the nodes and the backups', () => {
  it('query only metrics that node_exporter or Velero export, or that the alert rules use', () => {
    // The sources are real: the exporter's own output and Velero's source.
    expect(nodeExporter).toContain('node_cpu_seconds_total');
    expect(velero).toContain('velero_backup_last_successful_timestamp');
    expect(velero).toContain('velero_restore_success_total');
    const nodes = nodesDashboard(platform);
    const backups = backupsDashboard();
    expect(exprs(nodes).length + exprs(backups).length).toBeGreaterThan(15);
    expect([
      ...unknownMetrics(nodes, known),
      ...unknownMetrics(backups, known),
    ]).toEqual([]);
  });

  it('name a misspelt metric, with its dashboard and panel', () => {
    const nodes = nodesDashboard(platform);
    const cpu = panels(nodes).find(p => p.title === 'CPU used')!;
    cpu.targets![0].expr = cpu.targets![0].expr.replace(
      'node_cpu_seconds_total',
      'node_cpu_second_total',
    );
    expect(unknownMetrics(nodes, known)).toEqual([
      'Nodes / CPU used: node_cpu_second_total',
    ]);
  });

  it('hold expressions that Prometheus itself parses', () => {
    // promtool's rule check runs Prometheus's parser on every expression.
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-dashboards-'));
    try {
      const all = [
        ...exprs(nodesDashboard(platform)),
        ...exprs(backupsDashboard()),
      ];
      const file = join(dir, 'dashboards.rules.yml');
      writeFileSync(
        file,
        stringify({
          groups: [
            {
              name: 'dashboards',
              rules: all.map((e, i) => ({
                record: `dashboard:query:${i}`,
                expr: e.expr,
              })),
            },
          ],
        }),
      );
      expect(runSync('promtool', ['check', 'rules', file]).stdout).toMatch(
        new RegExp(`SUCCESS: ${all.length} rules found`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('show every catalog node, with its disk against the 80 and 90 % alerts and its WireGuard handshakes against 300 s', () => {
    const nodes = panels(nodesDashboard(platform));
    expect(
      nodes.filter(p => p.type === 'row').map(p => p.title.split(' ')[0]),
    ).toEqual(platform.nodes.map(n => n.name));
    expect(platform.nodes.map(n => n.name)).toEqual(['core-prod', 'ai-lab']);
    const steps = (p: Panel) =>
      p.fieldConfig!.defaults.thresholds!.steps.map(s => s.value);
    const disks = nodes.filter(p => p.title.startsWith('Disk used'));
    expect(disks).toHaveLength(2);
    for (const d of disks) expect(steps(d)).toEqual([null, 80, 90]);
    expect(disks[1].targets![0].expr).toContain(
      'instance=~"10\\\\.80\\\\.0\\\\.2:.*"',
    );
    const handshakes = nodes.filter(p => p.title.startsWith('WireGuard'));
    expect(handshakes.map(steps)).toEqual([
      [null, 300],
      [null, 300],
    ]);
  });

  it("show each backup's age against the backup alerts' 26 h", () => {
    const backups = panels(backupsDashboard());
    const ages = backups.filter(p =>
      (p.targets ?? []).some(t => t.expr.startsWith('time() - ')),
    );
    expect(ages.length).toBeGreaterThanOrEqual(3);
    for (const p of ages)
      expect(
        p.fieldConfig!.defaults.thresholds!.steps.map(s => s.value),
      ).toEqual([null, BACKUP_MAX_AGE_HOURS * 3600]);
  });

  it('are committed as rendered', async () => {
    // `yarn uyoop k8s render` writes them; render.test.ts fails on any stale file.
    for (const [path, text] of dashboardFiles(platform)) {
      expect(path.startsWith(DASHBOARDS_DIR)).toBe(true);
      expect(await readFile(join(repoRoot, path), 'utf8')).toBe(text);
    }
  });
});
