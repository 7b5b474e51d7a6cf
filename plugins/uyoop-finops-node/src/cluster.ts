import { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
// Not re-exported by the package index; the same parser `kubectl top` uses in the library.
import { quantityToScalar } from '@kubernetes/client-node/dist/util.js';
import type {
  NamespaceRequests,
  NodeCapacity,
} from '@internal/plugin-uyoop-finops-common';

/**
 * Kubernetes quantity to a number (CPU in cores, memory in bytes), through
 * the client library's own parser. The API server stores quantities in
 * canonical form, which that parser reads.
 */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined || q === null || q === '') return 0;
  if (typeof q === 'number') return q;
  try {
    return Number(quantityToScalar(String(q).trim()));
  } catch (e) {
    throw new Error(
      `not a Kubernetes quantity: "${q}" (${(e as Error).message})`,
    );
  }
}

const GIB = 2 ** 30;

/**
 * A pod's effective requests, as the scheduler counts them: the larger of the
 * containers' sum and the largest init container, plus the pod overhead.
 */
export function podRequests(pod: V1Pod): { cpu: number; memoryGiB: number } {
  const sum = (
    cs: { resources?: { requests?: Record<string, string> } }[] = [],
    key: string,
  ) => cs.reduce((s, c) => s + parseQuantity(c.resources?.requests?.[key]), 0);
  const maxOf = (
    cs: { resources?: { requests?: Record<string, string> } }[] = [],
    key: string,
  ) =>
    cs.reduce(
      (s, c) => Math.max(s, parseQuantity(c.resources?.requests?.[key])),
      0,
    );
  const spec = pod.spec!;
  const cpu =
    Math.max(
      sum(spec.containers as any, 'cpu'),
      maxOf(spec.initContainers as any, 'cpu'),
    ) + parseQuantity((spec.overhead as any)?.cpu);
  const mem =
    Math.max(
      sum(spec.containers as any, 'memory'),
      maxOf(spec.initContainers as any, 'memory'),
    ) + parseQuantity((spec.overhead as any)?.memory);
  return { cpu, memoryGiB: mem / GIB };
}

export interface ClusterUsage {
  nodes: NodeCapacity[];
  /** Requests per node, per namespace, of the pods bound to the node and not finished. */
  requests: Record<string, NamespaceRequests[]>;
}

/** Reads node allocatable capacity and pod requests from the cluster. */
export async function readClusterUsage(
  kubeConfig: KubeConfig,
): Promise<ClusterUsage> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const [nodeList, podList] = await Promise.all([
    core.listNode(),
    core.listPodForAllNamespaces({
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    }),
  ]);
  const nodes = nodeList.items.map(n => ({
    name: n.metadata!.name!,
    cpu: parseQuantity(n.status?.allocatable?.cpu ?? n.status?.capacity?.cpu),
    memoryGiB:
      parseQuantity(
        n.status?.allocatable?.memory ?? n.status?.capacity?.memory,
      ) / GIB,
  }));
  const acc: Record<string, Map<string, NamespaceRequests>> = {};
  for (const pod of podList.items) {
    const node = pod.spec?.nodeName;
    if (!node) continue; // pending pods use no node capacity yet
    const ns = pod.metadata!.namespace!;
    const r = podRequests(pod);
    const m = (acc[node] ??= new Map());
    const cur = m.get(ns) ?? { namespace: ns, cpu: 0, memoryGiB: 0 };
    cur.cpu += r.cpu;
    cur.memoryGiB += r.memoryGiB;
    m.set(ns, cur);
  }
  return {
    nodes,
    requests: Object.fromEntries(
      Object.entries(acc).map(([k, v]) => [k, [...v.values()]]),
    ),
  };
}
