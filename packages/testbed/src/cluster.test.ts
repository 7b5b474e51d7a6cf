/*
 * The testbed's real nodes: core-prod and ai-lab run kubelet and containerd,
 * pods run and serve, Services resolve, the pod network rides on the
 * WireGuard mesh, volumes keep their data, NetworkPolicies are enforced.
 */
import { AppsV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { loadPlatform, PlatformNode } from '@internal/platform';
import { createContext } from './engine/context';
import { inNodeExec, labNodes } from './engine/nodes';
import {
  busybox,
  deleteNamespaceAndWait,
  ensureNamespace,
  execIn,
  httpContainer,
  httpGetFrom,
  runningPod,
  tolerating,
  waitRunning,
} from './pods';
import { kubeConfig, runId, testbed, until } from '.';

jest.setTimeout(300_000);

const tb = testbed();
const kc = kubeConfig(tb);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const id = runId();

let catalog: PlatformNode[];
beforeAll(async () => {
  catalog = (await loadPlatform()).nodes;
});
const catalogNode = (name: string) => catalog.find(n => n.name === name)!;

describe('the real nodes', () => {
  it('core-prod and ai-lab are Ready on kubelet v1.35 and containerd, with the labels and taints of the catalog', async () => {
    const { items } = await core.listNode();
    expect(items.map(n => n.metadata!.name).sort()).toEqual(
      catalog.map(n => n.name).sort(),
    );
    for (const expected of catalog) {
      const node = items.find(n => n.metadata!.name === expected.name)!;
      const ready = node.status!.conditions!.find(c => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      expect(node.status!.nodeInfo!.kubeletVersion).toMatch(/^v1\.35\./);
      expect(node.status!.nodeInfo!.containerRuntimeVersion).toMatch(
        /^containerd:\/\/1\./,
      );
      expect(node.metadata!.labels).toMatchObject(expected.labels);
      expect(node.spec!.taints ?? []).toEqual(expected.taints);
      const internal = node.status!.addresses!.find(
        a => a.type === 'InternalIP',
      );
      // K3s on the mesh: the node's address is its wg0 address.
      expect(internal?.address).toBe(expected.meshAddress);
    }
  });
});

describe('pods that run', () => {
  const web = 'prod-web';
  const client = `clients-${id}`;
  const name = `web-${id}`;

  beforeAll(async () => {
    await ensureNamespace(core, web);
    await ensureNamespace(core, client);
  });
  afterAll(async () => {
    await apps.deleteNamespacedDeployment({ name, namespace: web }).catch(() => undefined);
    await core.deleteNamespacedService({ name, namespace: web }).catch(() => undefined);
    await core.deleteNamespace({ name: client }).catch(() => undefined);
  });

  it('a Deployment in prod-web serves HTTP, and a pod of another namespace reaches it by its Service name', async () => {
    const labels = { app: name };
    await apps.createNamespacedDeployment({
      namespace: web,
      body: {
        metadata: { name },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
              containers: [httpContainer('hello from prod-web')],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: web,
      body: {
        metadata: { name },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 as never }] },
      },
    });
    await until('2 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: web });
      return d.status?.readyReplicas === 2 ? d : undefined;
    });
    await runningPod(core, { namespace: client, name: 'curl', node: 'core-prod' });
    const body = await until('the Service to answer by its DNS name', () =>
      httpGetFrom(tb, client, 'curl', `${name}.${web}.svc.cluster.local`, 80),
    );
    expect(body).toBe('hello from prod-web');
  });

  it('keeps a pod without the AI toleration off ai-lab', async () => {
    const pod = `no-toleration-${id}`;
    await core.createNamespacedPod({
      namespace: client,
      body: {
        metadata: { name: pod },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'ai-lab' },
          containers: [{ name: 'app', image: busybox(), imagePullPolicy: 'Never' }],
        },
      },
    });
    const refused = await until('the scheduler to refuse the pod', async () => {
      const p = await core.readNamespacedPod({ name: pod, namespace: client });
      const c = p.status?.conditions?.find(x => x.type === 'PodScheduled');
      return c?.status === 'False' ? c : undefined;
    });
    expect(refused.message).toContain('untolerated taint');
  });
});

describe('the pod network over the WireGuard mesh', () => {
  const ns = `mesh-${id}`;
  const nodes = () => labNodes(createContext(), catalog);
  const wg = (node: string, what: string) =>
    inNodeExec(nodes().find(n => n.node.name === node)!, `wg show wg0 ${what}`).stdout;

  beforeAll(() => ensureNamespace(core, ns));
  afterAll(() => core.deleteNamespace({ name: ns }).catch(() => undefined));

  it('a pod on core-prod fetches from a pod on ai-lab through wg0, with recent handshakes on both nodes', async () => {
    const ai = catalogNode('ai-lab');
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'server' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'ai-lab' },
          tolerations: tolerating(ai.taints),
          // a 200,000-byte page
          containers: [httpContainer('', "head -c 200000 /dev/zero | tr '\\0' x")],
        },
      },
    });
    const server = await waitRunning(core, ns, 'server');
    await runningPod(core, { namespace: ns, name: 'client', node: 'core-prod' });

    const received = () =>
      wg('core-prod', 'transfer')
        .trim()
        .split('\n')
        .reduce((sum, line) => sum + Number(line.split('\t')[1] ?? 0), 0);
    // The page crossed wg0: core-prod's tunnel received at least its size.
    const fetched = await until('the page from ai-lab', async () => {
      const before = received();
      const body = await httpGetFrom(tb, ns, 'client', server.status!.podIP!);
      return { body, crossed: received() - before };
    });
    expect(fetched.body.length).toBe(200_000);
    expect(fetched.crossed).toBeGreaterThanOrEqual(200_000);

    const now = Date.now() / 1000;
    for (const node of ['core-prod', 'ai-lab']) {
      const handshakes = wg(node, 'latest-handshakes')
        .trim()
        .split('\n')
        .map(l => Number(l.split('\t')[1]));
      expect(handshakes.length).toBe(catalog.length - 1);
      for (const h of handshakes) expect(now - h).toBeLessThan(180);
    }
  });
});

describe('volumes', () => {
  const ns = `volumes-${id}`;
  beforeAll(() => ensureNamespace(core, ns));
  afterAll(() => deleteNamespaceAndWait(core, ns).catch(() => undefined));

  it('a PVC bound by the local-path provisioner keeps a file after its pod is deleted and recreated', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '64Mi' } },
        },
      },
    });
    const pod = {
      namespace: ns,
      name: 'writer',
      node: 'core-prod',
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    };
    await runningPod(core, pod);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: ns });
    expect(pvc.status?.phase).toBe('Bound');
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe(
      'rancher.io/local-path',
    );
    await execIn(tb, ns, 'writer', `echo "kept ${id}" > /data/proof.txt`);

    await core.deleteNamespacedPod({ name: 'writer', namespace: ns, gracePeriodSeconds: 0 });
    await until('the pod to be gone', async () =>
      core.readNamespacedPod({ name: 'writer', namespace: ns }).then(
        () => undefined,
        () => true,
      ),
    );
    await runningPod(core, pod);
    expect((await execIn(tb, ns, 'writer', 'cat /data/proof.txt')).trim()).toBe(
      `kept ${id}`,
    );
  });
});

describe('NetworkPolicies', () => {
  const prod = `prod-np-${id}`;
  const dev = `dev-lab-${id}`;
  const monitoring = `monitoring-${id}`;

  beforeAll(async () => {
    await ensureNamespace(core, prod, { 'uyoop.io/tier': 'prod' });
    await ensureNamespace(core, dev, { 'uyoop.io/tier': 'dev' });
    await ensureNamespace(core, monitoring, { 'uyoop.io/tier': 'platform' });
    await core.createNamespacedPod({
      namespace: prod,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
          containers: [httpContainer('prod')],
        },
      },
    });
    await waitRunning(core, prod, 'web');
    await runningPod(core, { namespace: dev, name: 'dev', node: 'core-prod' });
    await runningPod(core, { namespace: monitoring, name: 'scraper', node: 'core-prod' });
  });
  afterAll(async () => {
    for (const ns of [prod, dev, monitoring])
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('with default-deny in the prod namespace, dev-lab gets no connection, monitoring does, and removing the policy restores access', async () => {
    const ip = (await core.readNamespacedPod({ name: 'web', namespace: prod })).status!.podIP!;
    const from = (ns: string, pod: string) => httpGetFrom(tb, ns, pod, ip, 8080, 2);
    expect(await from(dev, 'dev')).toBe('prod');

    await net.createNamespacedNetworkPolicy({
      namespace: prod,
      body: {
        metadata: { name: 'default-deny' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    });
    await net.createNamespacedNetworkPolicy({
      namespace: prod,
      body: {
        metadata: { name: 'allow-monitoring' },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [
            {
              _from: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': monitoring },
                  },
                },
              ],
            },
          ],
        },
      },
    });
    await until('the policy to refuse dev-lab', () =>
      from(dev, 'dev').then(
        () => undefined,
        () => true,
      ),
    );
    await expect(from(dev, 'dev')).rejects.toThrow();
    expect(await from(monitoring, 'scraper')).toBe('prod');

    await net.deleteNamespacedNetworkPolicy({ name: 'default-deny', namespace: prod });
    await net.deleteNamespacedNetworkPolicy({ name: 'allow-monitoring', namespace: prod });
    expect(await until('access to come back', () => from(dev, 'dev'))).toBe('prod');
  });
});
