/**
 * Catalog module benchmark: ingest 10,000 generated entities
 * (nodes, services, buckets) through the real catalog with the uyoop module,
 * and through the stock catalog without it, in the same run: the time until
 * every entity is there with its relations stitched, then the p50/p99 of
 * /api/catalog/entities and /api/catalog/entities/by-query on each.
 *
 *   node .yarn/releases/yarn-4.13.0.cjs tsx bench/catalog-module.ts [--entities 10000] [--rounds 2] [--requests 100]
 *
 * Each round runs both catalogs, and the order alternates from one round to
 * the next (stock first, then module first), so neither always runs on a
 * warmer machine; the median of each is compared, as module / stock ratios.
 * Goal: the module costs at most 10 % over stock (ratio <= 1.10).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { commandLineOrExit, countOptionOrExit } from '@internal/platform';
import {
  startCatalog,
  TestCatalog,
  until,
} from '../plugins/catalog-backend-module-uyoop/src/testUtils';

const usage =
  'usage: tsx bench/catalog-module.ts [--entities 10000] [--rounds 1] [--requests 100]';
const { values } = commandLineOrExit(
  process.argv.slice(2),
  {
    entities: { type: 'string' },
    rounds: { type: 'string' },
    requests: { type: 'string' },
  },
  usage,
  { positionals: false },
);
const count = (name: string, value: string | undefined, def: number) =>
  countOptionOrExit(name, value, def, usage);
const ENTITIES = count('entities', values.entities, 10_000);
const ROUNDS = count('rounds', values.rounds, 2);
const REQUESTS = count('requests', values.requests, 100);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
/** The middle value; the mean of the two middle ones for an even count (2 rounds: their mean, not the larger). */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A catalog of `total` entities: 1 % nodes, 10 % buckets, the rest services, plus their owner and systems. */
/** How many nodes and services a generated catalog holds; service i runs on node i % nodes. */
interface Plan {
  root: string;
  nodes: number;
  services: number;
}

async function generateCatalog(total: number): Promise<Plan> {
  const root = await mkdtemp(join(tmpdir(), 'uyoop-bench-catalog-'));
  const nodes = Math.max(1, Math.round(total / 100));
  const buckets = Math.round(total / 10);
  const services = total - nodes - buckets;
  const systems = 10;
  const docs: object[] = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'admins' },
      spec: { type: 'team', children: [] },
    },
  ];
  for (let i = 0; i < systems; i++) {
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: { name: `system-${i}` },
      spec: { owner: 'admins' },
    });
  }
  for (let i = 0; i < nodes; i++) {
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: `node-${i}`,
        annotations: {
          'uyoop.io/provider': 'ovhcloud',
          'uyoop.io/offer': 'VPS-3',
          'uyoop.io/region': 'eu-west-gra',
          'uyoop.io/vcpu': '8',
          'uyoop.io/memory-gib': '24',
          'uyoop.io/disk-gib': '200',
          'uyoop.io/monthly-price-eur': '14.28',
          'uyoop.io/price-basis': 'TTC',
          'uyoop.io/k3s-role': i === 0 ? 'server' : 'agent',
          'uyoop.io/public-host': `node-${i}.uyoop.fr`,
          'uyoop.io/mesh-address': `10.80.${Math.floor(i / 250)}.${
            (i % 250) + 1
          }`,
        },
      },
      spec: { type: 'node', owner: 'admins', system: `system-${i % systems}` },
    });
  }
  for (let i = 0; i < services; i++) {
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: `service-${i}`,
        annotations: {
          'backstage.io/kubernetes-namespace': `ns-${i % 50}`,
          'uyoop.io/node': `node-${i % nodes}`,
          'uyoop.io/storage-tier': 'nvme',
          'uyoop.io/backup': 'velero',
          'uyoop.io/runtime': 'k3s',
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: 'admins',
        system: `system-${i % systems}`,
        dependsOn: [`resource:node-${i % nodes}`],
      },
    });
  }
  for (let i = 0; i < buckets; i++) {
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: `bucket-${i}`,
        annotations: {
          'uyoop.io/provider': 'ovhcloud',
          'uyoop.io/region': 'eu-west-gra',
          'uyoop.io/object-lock': 'none',
        },
      },
      spec: {
        type: 's3-bucket',
        owner: 'admins',
        system: `system-${i % systems}`,
      },
    });
  }
  // One file per 500 entities, as a real catalog spreads them.
  const targets: string[] = [];
  for (let i = 0; i < docs.length; i += 500) {
    const file = `entities-${i / 500}.yaml`;
    targets.push(`./${file}`);
    await writeFile(
      join(root, file),
      docs
        .slice(i, i + 500)
        .map(d => stringify(d))
        .join('---\n'),
    );
  }
  await writeFile(
    join(root, 'catalog-info.yaml'),
    stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Location',
      metadata: { name: 'bench' },
      spec: { targets },
    }),
  );
  return { root, nodes, services };
}

/** Services placed on node `i`. */
const servicesOn = (plan: Plan, i: number) =>
  Math.floor(plan.services / plan.nodes) +
  (i < plan.services % plan.nodes ? 1 : 0);

/** The nodes whose relations are not all stitched yet. */
async function unstitchedNodes(
  catalog: TestCatalog,
  plan: Plan,
  withModule: boolean,
): Promise<number> {
  type Page = {
    items: { metadata: { name: string }; relations?: { type: string }[] }[];
    pageInfo: { nextCursor?: string };
  };
  let missing = 0;
  let cursor: string | undefined;
  do {
    const page: Page = await catalog.get<Page>(
      cursor
        ? `/api/catalog/entities/by-query?cursor=${encodeURIComponent(cursor)}`
        : '/api/catalog/entities/by-query?limit=500&filter=kind=resource,spec.type=node&fields=metadata.name,relations',
    );
    for (const node of page.items) {
      const want = servicesOn(plan, Number(node.metadata.name.slice(5)));
      const count = (type: string) =>
        (node.relations ?? []).filter(r => r.type === type).length;
      if (count('dependencyOf') < want || (withModule && count('hosts') < want))
        missing++;
    }
    cursor = page.pageInfo.nextCursor;
  } while (cursor);
  return missing;
}

interface Measure {
  ingestMs: number;
  /** Entities showing a processing error once all are processed (none is invalid). */
  withErrors: number;
  entitiesP50: number;
  entitiesP99: number;
  queryP50: number;
  queryP99: number;
}

async function timed(catalog: TestCatalog, path: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    await catalog.get(path);
    out.push(performance.now() - start);
  }
  return out;
}

/** How many entities show a processing error: every generated entity is valid, so any is a false alarm. */
async function countWithErrors(catalog: TestCatalog): Promise<number> {
  type Page = {
    items: { status?: { items?: { level: string }[] } }[];
    pageInfo: { nextCursor?: string };
  };
  let count = 0;
  let page = await catalog.get<Page>(
    '/api/catalog/entities/by-query?limit=1000&fields=status',
  );
  for (;;) {
    count += page.items.filter(e =>
      (e.status?.items ?? []).some(i => i.level === 'error'),
    ).length;
    if (!page.pageInfo.nextCursor) return count;
    page = await catalog.get<Page>(
      `/api/catalog/entities/by-query?limit=1000&fields=status&cursor=${encodeURIComponent(
        page.pageInfo.nextCursor,
      )}`,
    );
  }
}

async function measure(
  plan: Plan,
  withModule: boolean,
  expected: number,
): Promise<Measure> {
  const start = performance.now();
  const catalog = await startCatalog({
    root: plan.root,
    withModule,
    processingIntervalSeconds: false,
  });
  try {
    // Processed means every entity is there and its relations are stitched:
    // each node carries a dependencyOf (both catalogs) and, with the module, a
    // hosts relation from every service placed on it. Only then is the graph
    // a reader would see complete, and the latency measured on a catalog
    // that has settled.
    await until(
      `${expected} entities processed`,
      async () => {
        const { totalItems } = await catalog.get<{ totalItems: number }>(
          '/api/catalog/entities/by-query?limit=1&filter=kind=component,kind=resource,kind=system,kind=group',
        );
        return totalItems >= expected ? true : undefined;
      },
      30 * 60_000,
    );
    await until(
      `the relations of ${plan.nodes} nodes stitched`,
      async () =>
        (await unstitchedNodes(catalog, plan, withModule)) === 0
          ? true
          : undefined,
      30 * 60_000,
    );
    const ingestMs = performance.now() - start;
    const withErrors = await countWithErrors(catalog);
    const entities = await timed(catalog, '/api/catalog/entities?limit=100');
    const query = await timed(
      catalog,
      '/api/catalog/entities/by-query?limit=100&filter=kind=component',
    );
    return {
      ingestMs,
      withErrors,
      entitiesP50: pct(entities, 50),
      entitiesP99: pct(entities, 99),
      queryP50: pct(query, 50),
      queryP99: pct(query, 99),
    };
  } finally {
    await catalog.stop();
  }
}

async function main() {
  const plan = await generateCatalog(ENTITIES);
  const expected = ENTITIES + 11; // the generated entities plus the group and the systems
  const runs: Record<'stock' | 'module', Measure[]> = { stock: [], module: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order =
        r % 2 === 0
          ? (['stock', 'module'] as const)
          : (['module', 'stock'] as const);
      for (const kind of order) {
        const m = await measure(plan, kind === 'module', expected);
        runs[kind].push(m);
        console.log(
          `round ${r + 1} ${kind.padEnd(6)} ingest ${(
            m.ingestMs / 1000
          ).toFixed(1)} s; ` +
            `/entities p50 ${m.entitiesP50.toFixed(
              1,
            )} ms p99 ${m.entitiesP99.toFixed(1)} ms; ` +
            `/entities/by-query p50 ${m.queryP50.toFixed(
              1,
            )} ms p99 ${m.queryP99.toFixed(1)} ms; ` +
            `${m.withErrors} with processing errors`,
        );
      }
    }
  } finally {
    await rm(plan.root, { recursive: true, force: true });
  }
  const ratio = (key: keyof Measure) =>
    median(runs.module.map(m => m[key])) / median(runs.stock.map(m => m[key]));
  console.log(
    `${ENTITIES} entities, ${ROUNDS} round(s) in alternating order, ${REQUESTS} requests per endpoint`,
  );
  for (const [label, key] of [
    ['ingest time', 'ingestMs'],
    ['/api/catalog/entities p50', 'entitiesP50'],
    ['/api/catalog/entities p99', 'entitiesP99'],
    ['/api/catalog/entities/by-query p50', 'queryP50'],
    ['/api/catalog/entities/by-query p99', 'queryP99'],
  ] as const) {
    console.log(`ratio module / stock, ${label}: ${ratio(key).toFixed(3)}`);
  }
  const falseAlarms = Math.max(...runs.module.map(m => m.withErrors));
  console.log(
    `entities with a processing error in the module runs (all are valid): ${falseAlarms}`,
  );
  // The goal covers what a user feels: the time to see the catalog, and the
  // median answer of both endpoints (p99 of 100 requests is one request).
  const goal = (['ingestMs', 'entitiesP50', 'queryP50'] as const).map(key => ({
    key,
    value: ratio(key),
  }));
  const over = goal.filter(g => g.value > 1.1);
  console.log(
    `goal: module <= 1.10 x stock for ingest, /entities p50 and /entities/by-query p50: ${
      over.length === 0
        ? 'met'
        : `NOT met (${over
            .map(g => `${g.key} ${g.value.toFixed(3)}`)
            .join(', ')})`
    }`,
  );
  process.exit(0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
