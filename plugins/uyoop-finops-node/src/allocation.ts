import {
  allocateNode,
  AllocationMethod,
  AllocationWeights,
  defaultWeights,
  hoursInPeriod,
  IDLE,
  NodeAllocation,
  rollUp,
} from '@internal/plugin-uyoop-finops-common';
import type { Platform } from '@internal/platform';
import type { ClusterUsage } from './cluster';
import { currentPeriod } from './lines';
import type { AllocationRow, CostStore } from './store/store';

/** Reads the cluster's node capacity and pod requests (readClusterUsage on a kubeconfig). */
export type ClusterReader = () => Promise<ClusterUsage>;

export interface AllocationOptions {
  store: CostStore;
  platform: Platform;
  /** The cluster; without it each node is split evenly among the namespaces the catalog puts on it. */
  cluster?: ClusterReader;
  weights?: AllocationWeights;
  now: () => Date;
}

/** Node allocations from observed requests: each node's cost split by namespace, idle on its own row. */
export function allocationsFromUsage(
  platform: Platform,
  usage: ClusterUsage,
  period: string,
  weights: AllocationWeights = defaultWeights,
): NodeAllocation[] {
  const unit = 1_000_000;
  return usage.nodes
    .filter(n => platform.nodes.some(p => p.name === n.name))
    .map(n =>
      allocateNode({
        node: n,
        costMicro: unit,
        hours: hoursInPeriod(period),
        requests: usage.requests[n.name] ?? [],
        weights,
      }),
    );
}

/** Each node split evenly among the namespaces the catalog puts on it. */
export function evenSplit(platform: Platform, period: string): NodeAllocation[] {
  const unit = 1_000_000;
  return platform.nodes.map(n => {
    const namespaces = [
      ...new Set(
        platform.services
          .filter(s => s.nodes.includes(n.name))
          .map(s => s.namespace),
      ),
    ].sort();
    const each = namespaces.length ? Math.floor(unit / namespaces.length) : 0;
    return {
      node: n.name,
      hours: hoursInPeriod(period),
      costMicro: unit,
      pricePerVcpuHour: 0,
      pricePerGiBHour: 0,
      namespaces: namespaces.map(ns => ({
        namespace: ns,
        cpu: 0,
        memoryGiB: 0,
        share: 1 / namespaces.length,
        costMicro: each,
      })),
      idle: {
        cpu: 0,
        memoryGiB: 0,
        share: namespaces.length ? 0 : 1,
        costMicro: unit - each * namespaces.length,
      },
      overcommitted: false,
    };
  });
}

/** Allocation rows of a period, one per (node, namespace, service). */
export function allocationRows(
  platform: Platform,
  period: string,
  method: AllocationMethod,
  allocations: NodeAllocation[],
): AllocationRow[] {
  const all = new Map<string, AllocationRow>();
  for (const r of rollUp(allocations, platform.services)) {
    const service =
      r.service ?? (r.namespace === IDLE ? IDLE : `namespace:${r.namespace}`);
    const key = `${r.node}|${r.namespace}|${service}`;
    const existing = all.get(key);
    if (existing) existing.share += r.share;
    else
      all.set(key, {
        period,
        node: r.node,
        namespace: r.namespace,
        service,
        system: r.system,
        owner: r.owner,
        share: r.share,
        method,
      });
  }
  return [...all.values()];
}

/**
 * The allocation of one period, from the requests observed during that
 * period: the running month reads the cluster and stores what it saw (the
 * scheduled task does so at every run); a past month reuses its stored
 * snapshot, and one without a snapshot is split evenly and labelled
 * `no-snapshot`, never allocated with today's cluster.
 */
export async function allocationOf(
  options: AllocationOptions,
  period: string,
): Promise<{ method: AllocationMethod; allocations: NodeAllocation[] }> {
  const { platform, store, cluster } = options;
  if (!cluster)
    return {
      method: 'catalog-even-split',
      allocations: evenSplit(platform, period),
    };
  let usage: ClusterUsage | undefined;
  if (period === currentPeriod(options.now())) {
    usage = await cluster();
    await store.saveClusterSnapshot(
      period,
      usage,
      options.now().toISOString(),
    );
  } else usage = (await store.clusterSnapshot<ClusterUsage>(period))?.usage;
  if (!usage)
    return { method: 'no-snapshot', allocations: evenSplit(platform, period) };
  return {
    method: 'cluster-requests',
    allocations: allocationsFromUsage(platform, usage, period, options.weights),
  };
}

/** Allocates each period and stores the rows; returns the method of each. */
export async function allocatePeriods(
  options: AllocationOptions,
  periods: string[],
): Promise<Record<string, AllocationMethod>> {
  const methods: Record<string, AllocationMethod> = {};
  for (const period of periods) {
    const { method, allocations } = await allocationOf(options, period);
    await options.store.replaceAllocations(
      [period],
      allocationRows(options.platform, period, method, allocations),
    );
    methods[period] = method;
  }
  return methods;
}
