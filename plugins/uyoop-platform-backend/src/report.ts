import {
  loadPlatform,
  LoadOptions,
  NetworkPolicyObject,
  policyInputs,
  Protocol,
  reachabilityMatrix,
  ReachabilityMatrix,
} from '@internal/platform';
import { clusterPlan, platformObjects, SYSTEM_NAMESPACE } from '@internal/k8s';
import type {
  ReachabilityReport,
  Tier,
} from '@internal/plugin-uyoop-platform-common';

interface NamedPort {
  port: number;
  endPort?: number;
  protocol: Protocol;
}

/** Every numeric port (or range) a rule of the policies names, by protocol then port. */
function namedPorts(policies: NetworkPolicyObject[]): NamedPort[] {
  const seen = new Map<string, NamedPort>();
  for (const p of policies) {
    for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
      for (const port of rule.ports ?? []) {
        // A named port resolves per pod; the analyzer counts it as any port.
        if (typeof port.port !== 'number') continue;
        const named = {
          port: port.port,
          endPort: port.endPort,
          protocol: port.protocol ?? 'TCP',
        };
        seen.set(label(named), named);
      }
    }
  }
  return [...seen.values()].sort(
    (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol),
  );
}

const label = (p: NamedPort) =>
  `${p.port}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol}`;

/** A port of `protocol` no rule names: a pair allowed on it is allowed on every port. */
function unnamedPort(named: NamedPort[], protocol: Protocol): number {
  for (let port = 1; ; port++) {
    if (
      !named.some(
        n =>
          n.protocol === protocol &&
          port >= n.port &&
          port <= (n.endPort ?? n.port),
      )
    )
      return port;
  }
}

/**
 * The matrix of `yarn uyoop k8s reachability --json` over `objects` (the
 * cluster's Namespaces and NetworkPolicies, kube-system added as the CLI
 * does), with the ports of each allowed pair: the matrix again for every port
 * the policies name, and for one port they do not name (allowed there means
 * allowed on any port of that protocol).
 */
export function reachabilityReport(
  objects: Parameters<typeof policyInputs>[0],
  now = new Date(),
): ReachabilityReport {
  const { namespaces, policies } = policyInputs(objects, [SYSTEM_NAMESPACE]);
  const matrix = reachabilityMatrix(namespaces, policies);
  const named = namedPorts(policies);
  const protocols = [
    ...new Set<Protocol>(['TCP', 'UDP', ...named.map(n => n.protocol)]),
  ];
  const anyPort = new Map<Protocol, ReachabilityMatrix>(
    protocols.map(protocol => [
      protocol,
      reachabilityMatrix(namespaces, policies, {
        port: unnamedPort(named, protocol),
        protocol,
      }),
    ]),
  );
  const perPort = named.map(n => ({
    ...n,
    matrix: reachabilityMatrix(namespaces, policies, {
      port: n.port,
      protocol: n.protocol,
    }),
  }));

  const ports: ReachabilityReport['ports'] = {};
  for (const s of matrix.sources) {
    ports[s] = {};
    for (const d of matrix.destinations.filter(x => matrix.allowed[s][x])) {
      const open = protocols.filter(p => anyPort.get(p)!.allowed[s][d]);
      ports[s][d] =
        open.length === protocols.length
          ? ['any port']
          : [
              ...open.map(p => `any ${p} port`),
              ...perPort
                .filter(
                  n => !open.includes(n.protocol) && n.matrix.allowed[s][d],
                )
                .map(label),
            ];
    }
  }

  const tiers: Record<string, Tier> = {};
  for (const n of namespaces) {
    const tier = n.labels['uyoop.io/tier'];
    if (tier === 'prod' || tier === 'dev') tiers[n.name] = tier;
  }
  return { ...matrix, ports, tiers, generatedAt: now.toISOString() };
}

/** The report for the cluster the catalog describes: the CLI's call chain. */
export async function catalogReachability(
  options: LoadOptions = {},
): Promise<ReachabilityReport> {
  return reachabilityReport(
    platformObjects(clusterPlan(await loadPlatform(options))),
  );
}
