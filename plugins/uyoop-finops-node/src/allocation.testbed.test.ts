/**
 * Allocation against the testbed's real Kubernetes API (kwok nodes core-prod
 * and ai-lab with the catalog's capacity). Needs `yarn testbed up`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  allocateNode,
  hoursInPeriod,
} from '@internal/plugin-uyoop-finops-common';
import { loadPlatform, repoRoot } from '@internal/platform';
import { readClusterUsage } from './cluster';
import { FinopsEngine } from './engine';
import { sqliteKnex } from './open';
import { CostStore } from './store/store';

const kubeconfigPath = join(repoRoot, '.testbed', 'kubeconfig');
const suffix = Date.now().toString(36);
const ns = { mail: `finops-it-mail-${suffix}`, web: `finops-it-web-${suffix}` };

function kubeConfig(): KubeConfig {
  if (!existsSync(kubeconfigPath))
    throw new Error('testbed is not up: run yarn testbed up');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

const pod = (name: string, cpu: string, memory: string) => ({
  metadata: { name },
  spec: {
    nodeName: 'core-prod',
    tolerations: [{ operator: 'Exists' }],
    containers: [
      {
        name: 'app',
        image: 'registry.invalid/app:1',
        resources: { requests: { cpu, memory } },
      },
    ],
  },
});

describe('allocation against the testbed cluster', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    kc = kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    for (const n of Object.values(ns))
      await core.createNamespace({ body: { metadata: { name: n } } });
    await core.createNamespacedPod({
      namespace: ns.mail,
      body: pod('a', '1500m', '3Gi'),
    });
    await core.createNamespacedPod({
      namespace: ns.mail,
      body: pod('b', '500m', '1Gi'),
    });
    await core.createNamespacedPod({
      namespace: ns.web,
      body: pod('c', '1', '2Gi'),
    });
  }, 60_000);

  afterAll(async () => {
    if (!core) return;
    for (const n of Object.values(ns))
      await core.deleteNamespace({ name: n }).catch(() => undefined);
  });

  it('reads the known requests per namespace, and idle cost equals capacity minus requests', async () => {
    const usage = await readClusterUsage(kc);
    const node = usage.nodes.find(n => n.name === 'core-prod')!;
    expect(node).toEqual({ name: 'core-prod', cpu: 8, memoryGiB: 24 });
    const requests = usage.requests['core-prod'];
    expect(requests.find(r => r.namespace === ns.mail)).toEqual({
      namespace: ns.mail,
      cpu: 2,
      memoryGiB: 4,
    });
    expect(requests.find(r => r.namespace === ns.web)).toEqual({
      namespace: ns.web,
      cpu: 1,
      memoryGiB: 2,
    });

    const cost = 11_900_000;
    const a = allocateNode({
      node,
      costMicro: cost,
      requests,
      hours: hoursInPeriod('2026-11'),
    });
    const requestedCpu = requests.reduce((s, r) => s + r.cpu, 0);
    const requestedMem = requests.reduce((s, r) => s + r.memoryGiB, 0);
    expect(a.idle.cpu).toBeCloseTo(8 - requestedCpu);
    expect(a.idle.memoryGiB).toBeCloseTo(24 - requestedMem);
    // Idle cost is priced like any request: per vCPU-hour and per GiB-hour of the node.
    const idleCost =
      (a.idle.cpu * a.pricePerVcpuHour + a.idle.memoryGiB * a.pricePerGiBHour) *
      a.hours *
      1e6;
    expect(Math.abs(a.idle.costMicro - idleCost)).toBeLessThan(
      requests.length + 1,
    );
    expect(a.namespaces.find(n => n.namespace === ns.mail)!.costMicro).toBe(
      Math.floor(cost * (0.5 * (2 / 8) + 0.5 * (4 / 24))),
    );
  });

  it('stores the cluster allocation at ingestion and shows the idle row in the namespace breakdown', async () => {
    const db = sqliteKnex(':memory:');
    try {
      const engine = new FinopsEngine({
        store: await CostStore.create(db),
        platform: await loadPlatform(),
        kubeConfig: kc,
        now: () => new Date('2026-11-20T12:00:00Z'),
      });
      const result = await engine.ingest(['2026-11']);
      expect(result.allocation).toBe('cluster-requests');
      const b = await engine.breakdown('2026-11', 'namespace');
      expect(b.method).toBe('cluster-requests');
      // core-prod 14.28 TTC: the mail namespace requests 2/8 vCPU and 4/24 GiB,
      // so 14.28 x (0.5 x 2/8 + 0.5 x 4/24) = 2.975 EUR, shown to the cent (half up).
      expect(b.rows.find(r => r.key === ns.mail)!.ttc).toBe(2.98);
      expect(b.idle.ttc).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  });
});
