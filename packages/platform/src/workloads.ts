import type { Platform } from './model';

/** A Kubernetes object, as the API takes it. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec?: unknown;
};

/**
 * Stand-in workloads for the catalog's K3s services: one Deployment per
 * service, in its namespace, on its node (tolerating the node's taints), with
 * the label the portal's Kubernetes tab selects on. The testbed runs them
 * with its own small image (`yarn testbed workloads`) to show live workloads
 * in the portal.
 */
export function demoWorkloads(platform: Platform): KubeObject[] {
  const k3s = platform.services.filter(s => s.runtime === 'k3s');
  const namespaces = [...new Set(k3s.map(s => s.namespace))]
    .sort()
    .map(name => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    }));
  const deployments = k3s.map(s => {
    const node = platform.nodes.find(n => n.name === s.nodes[0])!;
    const labels = {
      'app.kubernetes.io/name': s.name,
      'backstage.io/kubernetes-id': s.name,
    };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, namespace: s.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node.name },
            tolerations: node.taints.map(t => ({
              key: t.key,
              operator: 'Equal',
              value: t.value,
              effect: t.effect,
            })),
            containers: [
              {
                name: s.name,
                image: `registry.invalid/uyoop/${s.name}:demo`,
                resources: { requests: { cpu: '100m', memory: '128Mi' } },
              },
            ],
          },
        },
      },
    };
  });
  return [...namespaces, ...deployments];
}
