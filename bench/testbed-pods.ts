/**
 * The real-node testbed, measured in one run (needs `yarn testbed up`):
 *  - startup latency of 20 stateless pods, from create to Ready (images
 *    pre-imported), p50 and p99, as a ratio of Kubernetes' pod-startup SLO
 *    (p99 <= 5 s for schedulable stateless pods, image pulls excluded);
 *  - memory at rest of the whole testbed (host daemons + both nodes), and as
 *    a ratio of the kube-apiserver's own memory, measured at the same time;
 *  - the warm `up` (down, then up with every cache ready), against the time
 *    the cold builds recorded in the cache.
 *
 *   yarn bench:testbed [--skip-restart]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { commandLineOrExit, loadPlatform } from '@internal/platform';
import {
  createContext,
  down,
  kubeConfig,
  labNodes,
  testbed,
  up,
} from '@internal/testbed';
import { podBody } from '@internal/testbed/src/pods';
import { cgroupDirs } from '@internal/provision';

const SLO_P99_MS = 5000;
const PODS = 20;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function podStartup(): Promise<number[]> {
  const core = kubeConfig(testbed()).makeApiClient(CoreV1Api);
  const namespace = `bench-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    const created = new Map<string, number>();
    const ready = new Map<string, number>();
    await Promise.all(
      Array.from({ length: PODS }, async (_, i) => {
        const name = `p${i}`;
        created.set(name, Date.now());
        await core.createNamespacedPod({
          namespace,
          body: podBody({ namespace, name, node: 'core-prod' }),
        });
      }),
    );
    const deadline = Date.now() + 300_000;
    while (ready.size < PODS && Date.now() < deadline) {
      const { items } = await core.listNamespacedPod({ namespace });
      for (const p of items) {
        const name = p.metadata!.name!;
        const ok = p.status?.conditions?.find(c => c.type === 'Ready')?.status === 'True';
        if (ok && !ready.has(name)) ready.set(name, Date.now());
      }
      await new Promise(r => setTimeout(r, 100));
    }
    if (ready.size < PODS) throw new Error(`only ${ready.size}/${PODS} pods became Ready`);
    return [...ready].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

async function memoryAtRest() {
  const ctx = createContext();
  const runDir = join(ctx.state, 'run');
  const byName: Record<string, number> = {};
  for (const f of readdirSync(runDir).filter(x => x.endsWith('.pid')))
    byName[f.replace(/\.pid$/, '')] = rssKiB(Number(readFileSync(join(runDir, f), 'utf8')));
  const platform = await loadPlatform();
  for (const n of labNodes(ctx, platform.nodes)) {
    const memory = cgroupDirs(n.cgroup).find(d => d.includes('/memory/'));
    const procs = memory && existsSync(join(memory, 'cgroup.procs'))
      ? readFileSync(join(memory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)
      : [];
    // every process of the node, containers included (its cgroup's subtree)
    const all = new Set<number>(procs.map(Number));
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const sub = join(dir, e.name);
        for (const p of readFileSync(join(sub, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
          all.add(Number(p));
        walk(sub);
      }
    };
    if (memory) walk(memory);
    byName[`node ${n.node.name}`] = [...all].reduce((s, p) => s + rssKiB(p), 0);
  }
  return byName;
}

function coldBuildSeconds(): number {
  const cache = createContext().cache;
  let total = 0;
  for (const d of readdirSync(cache)) {
    const f = join(cache, d, 'build-seconds');
    if (existsSync(f)) total += Number(readFileSync(f, 'utf8'));
  }
  return total;
}

async function main() {
  const { values } = commandLineOrExit(
    process.argv.slice(2),
    { 'skip-restart': { type: 'boolean' } },
    'usage: yarn bench:testbed [--skip-restart]',
    { positionals: false },
  );
  const restart = !values['skip-restart'];
  let warmUp: number | undefined;
  if (restart) {
    const ctx = createContext();
    await down(ctx);
    const t0 = Date.now();
    await up(ctx);
    warmUp = (Date.now() - t0) / 1000;
  }
  await new Promise(r => setTimeout(r, 10_000)); // let the nodes settle
  const memory = await memoryAtRest();
  const total = Object.values(memory).reduce((s, v) => s + v, 0);
  const latencies = await podStartup();
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);

  console.log(`pod startup, ${PODS} stateless pods on core-prod (create -> Ready, images pre-imported):`);
  console.log(`  p50 ${p50} ms, p99 ${p99} ms; ratio p99 / SLO ${SLO_P99_MS} ms = ${(p99 / SLO_P99_MS).toFixed(2)} (goal <= 1)`);
  console.log('memory at rest (RSS):');
  for (const [k, v] of Object.entries(memory).sort((a, b) => b[1] - a[1]))
    console.log(`  ${k.padEnd(26)} ${(v / 1024).toFixed(0)} MiB`);
  const anchor = memory['kube-apiserver'];
  console.log(`  total ${(total / 1024).toFixed(0)} MiB; ratio total / kube-apiserver = ${(total / anchor).toFixed(1)}`);
  const cold = coldBuildSeconds();
  if (warmUp !== undefined)
    console.log(`up: warm ${warmUp.toFixed(1)} s; cold = the builds recorded in the cache (${cold} s) + a warm up; ratio warm / cold = ${(warmUp / (cold + warmUp)).toFixed(3)}`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
