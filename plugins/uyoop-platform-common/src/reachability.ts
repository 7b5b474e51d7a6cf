/**
 * The network reachability report the portal shows, and its reading per
 * namespace. Isomorphic: the backend computes the report with
 * packages/platform's analyzer, the frontend only reads it.
 */

/** The destination that stands for every address outside the cluster (packages/platform's INTERNET). */
export const INTERNET = '(internet)';

/** A namespace's tier, from its `uyoop.io/tier` label: prod namespaces are never reached from dev ones. */
export type Tier = 'prod' | 'dev';

/**
 * What `yarn uyoop k8s reachability --json` prints (any port), with, for each
 * allowed pair, the ports the NetworkPolicies let through.
 */
export interface ReachabilityReport {
  /** Sources, in order (every namespace). */
  sources: string[];
  /** Destinations, in order (every namespace, then INTERNET). */
  destinations: string[];
  /** allowed[source][destination], on any port. */
  allowed: Record<string, Record<string, boolean>>;
  query: { port?: number; protocol?: string };
  /**
   * ports[source][destination], for allowed pairs only: `any port`,
   * `any TCP port`, or single ports such as `443/TCP` and `53/UDP`.
   */
  ports: Record<string, Record<string, string[]>>;
  /** Each managed namespace's tier; kube-system, which K3s owns, has none. */
  tiers: Record<string, Tier>;
  /** When the backend computed the report from the catalog. */
  generatedAt: string;
}

/** A connection the policies allow. */
export interface ReachabilityPath {
  from: string;
  to: string;
  ports: string[];
  /** A dev-tier namespace reaching a prod one: the tiers' isolation is broken. */
  devToProd: boolean;
}

/** What one namespace can reach, and what can reach it (itself left out). */
export interface NamespaceReachability {
  namespace: string;
  tier?: Tier;
  /** Other namespaces, then the internet when its egress allows it. */
  reaches: ReachabilityPath[];
  reachedFrom: ReachabilityPath[];
}

const path = (
  report: ReachabilityReport,
  from: string,
  to: string,
): ReachabilityPath => ({
  from,
  to,
  ports: report.ports[from]?.[to] ?? [],
  devToProd: report.tiers[from] === 'dev' && report.tiers[to] === 'prod',
});

/** The namespace's row and column of the matrix; undefined when the report has no such namespace. */
export function namespaceReachability(
  report: ReachabilityReport,
  namespace: string,
): NamespaceReachability | undefined {
  if (!report.sources.includes(namespace)) return undefined;
  return {
    namespace,
    tier: report.tiers[namespace],
    reaches: report.destinations
      .filter(d => d !== namespace && report.allowed[namespace]?.[d])
      .map(d => path(report, namespace, d)),
    reachedFrom: report.sources
      .filter(s => s !== namespace && report.allowed[s]?.[namespace])
      .map(s => path(report, s, namespace)),
  };
}

/** Every allowed path from a dev-tier namespace to a prod one: there should be none. */
export function devToProdPaths(report: ReachabilityReport): ReachabilityPath[] {
  return report.sources.flatMap(s =>
    report.destinations
      .filter(d => report.allowed[s]?.[d])
      .map(d => path(report, s, d))
      .filter(p => p.devToProd),
  );
}
