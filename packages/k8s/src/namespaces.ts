import { cpuMillis, memoryMiB } from '@internal/platform';
import { LimitRange, Namespace, ResourceQuota } from 'kubernetes-models/v1';
import type { ClusterPlan, ManagedNamespace } from './plan';

/** Labels every generated object carries: `scripts/deploy` prunes by the first. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'uyoop-k8s' };

/** The labels the FinOps allocation and the NetworkPolicies read. */
export function namespaceLabels(ns: ManagedNamespace): Record<string, string> {
  return {
    ...MANAGED_BY,
    'uyoop.io/tier': ns.tier,
    'uyoop.io/owner': ns.owner,
    'uyoop.io/cost-centre': ns.costCentre,
  };
}

const cpu = (millis: number) => `${Math.ceil(millis / 100) * 100}m`;
const mem = (mib: number) => `${Math.ceil(mib / 128) * 128}Mi`;

/**
 * The quota leaves room for a rolling update of the largest workload and some
 * jobs: the namespace's planned requests and limits, plus half again.
 */
function quotaOf(ns: ManagedNamespace) {
  const inCluster = ns.workloads.filter(w => w.runtime !== 'compose');
  const sum = (
    pick: (w: (typeof inCluster)[number]) => number,
    floor: number,
  ) => Math.max(floor, inCluster.reduce((s, w) => s + pick(w), 0) * 1.5);
  return {
    'requests.cpu': cpu(sum(w => cpuMillis(w.sizing.requests.cpu), 500)),
    'requests.memory': mem(sum(w => memoryMiB(w.sizing.requests.memory), 1024)),
    'limits.cpu': cpu(sum(w => cpuMillis(w.sizing.limits.cpu), 1000)),
    'limits.memory': mem(sum(w => memoryMiB(w.sizing.limits.memory), 2048)),
    pods: String(Math.max(10, inCluster.length * 4)),
    persistentvolumeclaims: String(Math.max(2, inCluster.length * 2)),
    'services.loadbalancers': '0',
    'services.nodeports': '0',
  };
}

export function namespaceObjects(plan: ClusterPlan) {
  return plan.namespaces.flatMap(ns => {
    const metadata = (name: string) => ({
      name,
      namespace: ns.name,
      labels: MANAGED_BY,
    });
    return [
      new Namespace({
        metadata: { name: ns.name, labels: namespaceLabels(ns) },
      }),
      new ResourceQuota({
        metadata: metadata('quota'),
        spec: { hard: quotaOf(ns) },
      }),
      new LimitRange({
        metadata: metadata('defaults'),
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: { cpu: '50m', memory: '64Mi' },
              default: { cpu: '500m', memory: '512Mi' },
              max: { cpu: '4', memory: '8Gi' },
            },
          ],
        },
      }),
    ];
  });
}
