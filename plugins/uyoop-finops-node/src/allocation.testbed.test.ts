/**
 * Allocation against the testbed's real Kubernetes API: core-prod and ai-lab
 * are real nodes reporting the catalog's memory and this machine's vCPUs.
 * Needs `yarn testbed up`.
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
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'app',
        // the testbed's own image: nothing is pulled
        image: 'uyoop.local/busybox:v1',
        imagePullPolicy: 'Never',
        command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
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
      body: pod('a', '250m', '3Gi'),
    });
    await core.createNamespacedPod({
      namespace: ns.mail,
      body: pod('b', '250m', '1Gi'),
    });
    await core.createNamespacedPod({
      namespace: ns.web,
      body: pod('c', '500m', '2Gi'),
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
    // What the kubelet reports: the catalog's 24 GiB, and this machine's vCPUs.
    const reported = (await core.readNode({ name: 'core-prod' })).status!;
    const vcpu = Number(reported.allocatable!.cpu);
    expect(node).toEqual({ name: 'core-prod', cpu: vcpu, memoryGiB: 24 });
    const requests = usage.requests['core-prod'];
    expect(requests.find(r => r.namespace === ns.mail)).toEqual({
      namespace: ns.mail,
      cpu: 0.5,
      memoryGiB: 4,
    });
    expect(requests.find(r => r.namespace === ns.web)).toEqual({
      namespace: ns.web,
      cpu: 0.5,
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
    expect(a.idle.cpu).toBeCloseTo(vcpu - requestedCpu);
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
      Math.floor(cost * (0.5 * (0.5 / vcpu) + 0.5 * (4 / 24))),
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
      // core-prod 14.28 TTC: the mail namespace requests 0.5 of the node's
      // vCPUs and 4/24 GiB: on this 2-vCPU machine 14.28 x (0.5 x 0.5/2 +
      // 0.5 x 4/24) = 2.975 EUR, shown to the cent (half up).
      const vcpu = Number((await kc.makeApiClient(CoreV1Api).readNode({ name: 'core-prod' })).status!.allocatable!.cpu);
      const share = 0.5 * (0.5 / vcpu) + 0.5 * (4 / 24);
      expect(b.rows.find(r => r.key === ns.mail)!.ttc).toBe(Math.round(14.28 * share * 100 + 1e-9) / 100);
      expect(b.idle.ttc).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  });
});
