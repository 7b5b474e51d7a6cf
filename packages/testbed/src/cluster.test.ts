/* The testbed's Kubernetes: the catalog's nodes, and workloads scheduled on them. */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { loadPlatform } from '@internal/platform';
import { kubeConfig, runId, testbed, until } from '.';

jest.setTimeout(120_000);

describe('the testbed cluster', () => {
  const tb = testbed();
  const kc = kubeConfig(tb);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  it('has core-prod and ai-lab Ready, with the labels, taints and capacity of the catalog', async () => {
    const { nodes: catalog } = await loadPlatform();
    const { items } = await core.listNode();
    expect(items.map(n => n.metadata!.name).sort()).toEqual(
      catalog.map(n => n.name).sort(),
    );
    for (const expected of catalog) {
      const node = items.find(n => n.metadata!.name === expected.name)!;
      const ready = node.status!.conditions!.find(c => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      expect(node.metadata!.labels).toMatchObject(expected.labels);
      expect(node.spec!.taints ?? []).toEqual(expected.taints);
      expect(node.status!.capacity).toMatchObject({
        cpu: String(expected.vcpu),
        memory: `${expected.memoryGiB}Gi`,
      });
    }
  });

  describe('a Deployment in prod-web', () => {
    const name = `web-${runId()}`;
    const namespace = 'prod-web';

    beforeAll(async () => {
      await core
        .createNamespace({ body: { metadata: { name: namespace } } })
        .catch(() => undefined);
    });
    afterAll(async () => {
      await apps
        .deleteNamespacedDeployment({ name, namespace })
        .catch(() => undefined);
    });

    it('reaches its ready replicas on the node its nodeSelector names', async () => {
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: {
                nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
                containers: [
                  {
                    name: 'ghost',
                    image: 'ghost:5',
                    resources: { requests: { cpu: '250m', memory: '256Mi' } },
                  },
                ],
              },
            },
          },
        },
      });
      await until('2 ready replicas', async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace });
        return d.status?.readyReplicas === 2 ? d : undefined;
      });
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: `app=${name}`,
      });
      expect(pods.items.map(p => [p.spec!.nodeName, p.status!.phase])).toEqual([
        ['core-prod', 'Running'],
        ['core-prod', 'Running'],
      ]);
    });

    it('keeps a pod without the AI toleration off ai-lab', async () => {
      const pod = `${name}-ai`;
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: pod },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': 'ai-lab' },
            containers: [{ name: 'app', image: 'ghost:5' }],
          },
        },
      });
      try {
        const unschedulable = await until(
          'the scheduler to refuse the pod',
          async () => {
            const p = await core.readNamespacedPod({ name: pod, namespace });
            const c = p.status?.conditions?.find(
              x => x.type === 'PodScheduled',
            );
            return c?.status === 'False' ? c : undefined;
          },
        );
        expect(unschedulable.message).toContain('untolerated taint');
      } finally {
        await core.deleteNamespacedPod({
          name: pod,
          namespace,
          gracePeriodSeconds: 0,
        });
      }
    });
  });
});
