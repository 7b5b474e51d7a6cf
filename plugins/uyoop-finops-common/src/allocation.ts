/**
 * Splitting a node's cost across its namespaces by their share of requests.
 * Pure: the engine reads capacities and requests from the cluster and hands
 * them here. Whatever no namespace requested is idle cost, shown as its own
 * line so that it is never spread silently over the tenants.
 */

export interface AllocationWeights {
  /** Weight of CPU in a namespace's share; cpu + memory = 1. */
  cpu: number;
  memory: number;
}

export const defaultWeights: AllocationWeights = { cpu: 0.5, memory: 0.5 };

export interface NodeCapacity {
  name: string;
  /** Allocatable vCPU. */
  cpu: number;
  /** Allocatable memory in GiB. */
  memoryGiB: number;
}

export interface NamespaceRequests {
  namespace: string;
  /** Sum of the CPU requests of its pods on the node, in vCPU. */
  cpu: number;
  /** Sum of the memory requests of its pods on the node, in GiB. */
  memoryGiB: number;
}

export interface AllocatedShare {
  namespace: string;
  cpu: number;
  memoryGiB: number;
  /** Share of the node's cost, 0..1. */
  share: number;
  /** Cost in micro-euros, on the basis of the node's cost. */
  costMicro: number;
}

export interface NodeAllocation {
  node: string;
  hours: number;
  costMicro: number;
  /** Hourly prices derived from the node's cost, in EUR. */
  pricePerVcpuHour: number;
  pricePerGiBHour: number;
  namespaces: AllocatedShare[];
  /** Capacity minus requests, and its cost. */
  idle: Omit<AllocatedShare, 'namespace'>;
  /** True when the requests exceed the capacity: shares are then scaled down and idle is 0. */
  overcommitted: boolean;
}

/** The namespace name of the idle line in reports. */
export const IDLE = '(idle)';

function normalise(weights: AllocationWeights): AllocationWeights {
  const total = weights.cpu + weights.memory;
  if (!(total > 0) || weights.cpu < 0 || weights.memory < 0)
    throw new Error(
      `allocation weights must be >= 0 with a positive sum, got cpu=${weights.cpu} memory=${weights.memory}`,
    );
  return { cpu: weights.cpu / total, memory: weights.memory / total };
}

/**
 * Splits `costMicro` (a month of the node) across the namespaces' requests.
 * Namespace costs plus the idle cost add up to the node cost exactly.
 */
export function allocateNode(input: {
  node: NodeCapacity;
  costMicro: number;
  requests: NamespaceRequests[];
  weights?: AllocationWeights;
  hours: number;
}): NodeAllocation {
  const { node, costMicro, hours } = input;
  if (!(node.cpu > 0) || !(node.memoryGiB > 0))
    throw new Error(
      `node ${node.name} has no allocatable capacity (cpu=${node.cpu}, memory=${node.memoryGiB} GiB)`,
    );
  const w = normalise(input.weights ?? defaultWeights);
  const merged = new Map<string, NamespaceRequests>();
  for (const r of input.requests) {
    const m = merged.get(r.namespace) ?? {
      namespace: r.namespace,
      cpu: 0,
      memoryGiB: 0,
    };
    m.cpu += r.cpu;
    m.memoryGiB += r.memoryGiB;
    merged.set(r.namespace, m);
  }
  const reqs = [...merged.values()].sort((a, b) =>
    a.namespace.localeCompare(b.namespace),
  );
  const totalCpu = reqs.reduce((s, r) => s + r.cpu, 0);
  const totalMem = reqs.reduce((s, r) => s + r.memoryGiB, 0);
  // Over-commitment (only possible without a scheduler): scale to the capacity.
  const cpuScale = totalCpu > node.cpu ? node.cpu / totalCpu : 1;
  const memScale = totalMem > node.memoryGiB ? node.memoryGiB / totalMem : 1;
  const namespaces: AllocatedShare[] = reqs.map(r => {
    const share =
      w.cpu * ((r.cpu * cpuScale) / node.cpu) +
      w.memory * ((r.memoryGiB * memScale) / node.memoryGiB);
    return {
      namespace: r.namespace,
      cpu: r.cpu,
      memoryGiB: r.memoryGiB,
      share,
      costMicro: Math.floor(costMicro * share),
    };
  });
  const idleCpu = Math.max(0, node.cpu - totalCpu);
  const idleMem = Math.max(0, node.memoryGiB - totalMem);
  const allocated = namespaces.reduce((s, n) => s + n.costMicro, 0);
  const idleShare =
    w.cpu * (idleCpu / node.cpu) + w.memory * (idleMem / node.memoryGiB);
  return {
    node: node.name,
    hours,
    costMicro,
    pricePerVcpuHour: (costMicro * w.cpu) / node.cpu / hours / 1e6,
    pricePerGiBHour: (costMicro * w.memory) / node.memoryGiB / hours / 1e6,
    namespaces,
    // The remainder (micro-euro rounding) goes to idle so that the split is exact.
    idle: {
      cpu: idleCpu,
      memoryGiB: idleMem,
      share: idleShare,
      costMicro: costMicro - allocated,
    },
    overcommitted: cpuScale < 1 || memScale < 1,
  };
}

export interface ServiceRef {
  name: string;
  namespace: string;
  nodes: string[];
  system: string;
  owner: string;
}

export interface AllocatedCost {
  node: string;
  namespace: string;
  /** The catalog Component, or null for idle and for namespaces no component claims. */
  service: string | null;
  system: string | null;
  owner: string | null;
  costMicro: number;
  share: number;
}

/**
 * Rolls namespace costs up to catalog Components (and their System and
 * owner): a namespace's cost on a node is split evenly among the components
 * of that namespace that run on that node.
 */
export function rollUp(
  allocations: NodeAllocation[],
  services: ServiceRef[],
): AllocatedCost[] {
  const out: AllocatedCost[] = [];
  for (const a of allocations) {
    for (const ns of a.namespaces) {
      const owners = services.filter(
        s => s.namespace === ns.namespace && s.nodes.includes(a.node),
      );
      if (!owners.length) {
        out.push({
          node: a.node,
          namespace: ns.namespace,
          service: null,
          system: null,
          owner: null,
          costMicro: ns.costMicro,
          share: ns.share,
        });
        continue;
      }
      let left = ns.costMicro;
      owners.forEach((s, i) => {
        const part =
          i === owners.length - 1
            ? left
            : Math.floor(ns.costMicro / owners.length);
        left -= part;
        out.push({
          node: a.node,
          namespace: ns.namespace,
          service: s.name,
          system: s.system,
          owner: s.owner,
          costMicro: part,
          share: ns.share / owners.length,
        });
      });
    }
    out.push({
      node: a.node,
      namespace: IDLE,
      service: null,
      system: null,
      owner: null,
      costMicro: a.idle.costMicro,
      share: a.idle.share,
    });
  }
  return out;
}
