/**
 * Which namespace can open a connection to which, as the NetworkPolicies
 * allow it. Pure: it reads Kubernetes objects (Namespaces and
 * NetworkPolicies, as plain JSON) and never a cluster.
 *
 * The answer is per namespace pair: "some pod of A can reach some pod of B".
 * Pod selectors inside a namespace are over-approximated (a rule that lets in
 * a few pods counts as a path), so a cell that reads "denied" is denied for
 * every pod. That is the direction a guarantee such as "dev-lab never reaches
 * prod" needs.
 */
import { BlockList, isIPv4 } from 'node:net';

/** The destination that stands for every address outside the cluster. */
export const INTERNET = '(internet)';
/** A public address the "internet" column is probed with. */
const PUBLIC_PROBE = '203.0.113.10';
/** One address in each private range, K3s's pod (10.42/16) and service (10.43/16) ranges first: never "the internet". */
const PRIVATE_PROBES = [
  '10.42.0.10',
  '10.43.0.10',
  '172.16.0.10',
  '192.168.0.10',
];

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One kind of traffic; without a port, any port of any protocol. */
export interface TrafficQuery {
  port?: number;
  protocol?: Protocol;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: Protocol;
}

interface PolicyPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

/** The part of a NetworkPolicy the analysis reads. */
export interface NetworkPolicyObject {
  apiVersion: string;
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

/** Namespaces as the analysis sees them: their labels decide which selectors match. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
}

export interface ReachabilityMatrix {
  /** Sources, in order (every namespace). */
  sources: string[];
  /** Destinations, in order (every namespace, then INTERNET). */
  destinations: string[];
  /** allowed[source][destination] */
  allowed: Record<string, Record<string, boolean>>;
  query: TrafficQuery;
}

type AnyObject = { apiVersion?: string; kind?: string; metadata?: any };

/** Namespaces (with the label the API server adds to each) and NetworkPolicies among `objects`. */
export function policyInputs(
  objects: AnyObject[],
  extraNamespaces: string[] = [],
): { namespaces: NamespaceInfo[]; policies: NetworkPolicyObject[] } {
  const byName = new Map<string, NamespaceInfo>();
  for (const o of objects) {
    if (o.kind === 'Namespace') {
      const name = o.metadata.name as string;
      byName.set(name, {
        name,
        labels: {
          ...(o.metadata.labels ?? {}),
          'kubernetes.io/metadata.name': name,
        },
      });
    }
  }
  for (const name of extraNamespaces) {
    if (!byName.has(name)) {
      byName.set(name, {
        name,
        labels: { 'kubernetes.io/metadata.name': name },
      });
    }
  }
  return {
    namespaces: [...byName.values()],
    policies: objects.filter(
      o => o.kind === 'NetworkPolicy',
    ) as unknown as NetworkPolicyObject[],
  };
}

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn'
        ? !has || !(e.values ?? []).includes(labels[e.key])
        : e.operator === 'Exists'
        ? has
        : !has;
    if (!ok) return false;
  }
  return true;
}

function portMatches(ports: PolicyPort[] | undefined, query: TrafficQuery) {
  if (!ports || ports.length === 0) return true;
  return ports.some(p => {
    const protocol = p.protocol ?? 'TCP';
    if (query.protocol && query.protocol !== protocol) return false;
    if (query.port === undefined || p.port === undefined) return true;
    // A named port resolves per pod; counting it as a match keeps "denied" sound.
    if (typeof p.port === 'string') return true;
    return p.endPort !== undefined
      ? query.port >= p.port && query.port <= p.endPort
      : query.port === p.port;
  });
}

function blockContains(
  block: { cidr: string; except?: string[] },
  address: string,
) {
  const [net, prefix] = block.cidr.split('/');
  if (!isIPv4(net)) return false;
  const inside = new BlockList();
  inside.addSubnet(net, Number(prefix));
  const excluded = new BlockList();
  for (const e of block.except ?? []) {
    const [n, p] = e.split('/');
    if (isIPv4(n)) excluded.addSubnet(n, Number(p));
  }
  return inside.check(address) && !excluded.check(address);
}

const ipBlockHasPublic = (block: { cidr: string; except?: string[] }) =>
  blockContains(block, PUBLIC_PROBE);

/** A block that reaches a private range may reach pods: it counts as a path to every namespace. */
const ipBlockHasPrivate = (block: { cidr: string; except?: string[] }) =>
  PRIVATE_PROBES.some(a => blockContains(block, a));

/** Does `peer` (in a rule of a policy living in `policyNs`) designate namespace `other`? */
function peerIsNamespace(
  peer: PolicyPeer,
  policyNs: string,
  other: NamespaceInfo,
): boolean {
  if (peer.ipBlock) return ipBlockHasPrivate(peer.ipBlock);
  if (peer.namespaceSelector) {
    return selectorMatches(peer.namespaceSelector, other.labels);
  }
  // A podSelector alone selects pods of the policy's own namespace.
  return other.name === policyNs;
}

function ruleAllows(
  rule: PolicyRule,
  peers: PolicyPeer[] | undefined,
  policyNs: string,
  other: NamespaceInfo | typeof INTERNET,
  query: TrafficQuery,
): boolean {
  if (!portMatches(rule.ports, query)) return false;
  if (!peers || peers.length === 0) return true;
  return peers.some(peer =>
    other === INTERNET
      ? !!peer.ipBlock && ipBlockHasPublic(peer.ipBlock)
      : peerIsNamespace(peer, policyNs, other),
  );
}

const types = (p: NetworkPolicyObject) =>
  p.spec.policyTypes ??
  (p.spec.egress ? ['Ingress', 'Egress'] : (['Ingress'] as const));

/**
 * Whether traffic leaving `namespace` (direction 'Egress') or entering it
 * ('Ingress') to or from `other` passes that namespace's policies. A
 * namespace no policy of that direction selects is open.
 */
function passes(
  direction: 'Ingress' | 'Egress',
  namespace: string,
  other: NamespaceInfo | typeof INTERNET,
  policies: NetworkPolicyObject[],
  query: TrafficQuery,
): boolean {
  const mine = policies.filter(
    p =>
      p.metadata.namespace === namespace &&
      (types(p) as string[]).includes(direction),
  );
  if (mine.length === 0) return true;
  return mine.some(p =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some(
      rule =>
        ruleAllows(
          rule,
          direction === 'Ingress' ? rule.from : rule.to,
          namespace,
          other,
          query,
        ),
    ),
  );
}

/**
 * The namespace-to-namespace matrix: a connection from A to B is allowed when
 * A's egress policies let it out and B's ingress policies let it in.
 * The last column is the internet (a public address), by egress alone.
 */
export function reachabilityMatrix(
  namespaces: NamespaceInfo[],
  policies: NetworkPolicyObject[],
  query: TrafficQuery = {},
): ReachabilityMatrix {
  const sorted = [...namespaces].sort((a, b) => a.name.localeCompare(b.name));
  const allowed: ReachabilityMatrix['allowed'] = {};
  for (const src of sorted) {
    allowed[src.name] = {};
    for (const dst of sorted) {
      allowed[src.name][dst.name] =
        passes('Egress', src.name, dst, policies, query) &&
        passes('Ingress', dst.name, src, policies, query);
    }
    allowed[src.name][INTERNET] = passes(
      'Egress',
      src.name,
      INTERNET,
      policies,
      query,
    );
  }
  return {
    sources: sorted.map(n => n.name),
    destinations: [...sorted.map(n => n.name), INTERNET],
    allowed,
    query,
  };
}

/** Every allowed (source, destination) pair, as `source -> destination`. */
export function allowedPairs(matrix: ReachabilityMatrix): string[] {
  return matrix.sources.flatMap(s =>
    matrix.destinations
      .filter(d => matrix.allowed[s][d])
      .map(d => `${s} -> ${d}`),
  );
}

/** The matrix as a text table: one row per source, `x` where a connection is allowed. */
export function formatMatrix(matrix: ReachabilityMatrix): string[] {
  const width = Math.max(...matrix.sources.map(s => s.length));
  const lines = [
    `Reachability (${
      matrix.query.port === undefined
        ? 'any port'
        : `port ${matrix.query.port}/${matrix.query.protocol ?? 'TCP'}`
    }), rows reach columns:`,
  ];
  matrix.destinations.forEach((d, i) =>
    lines.push(`${' '.repeat(width + 2)}${'| '.repeat(i)}${d}`),
  );
  for (const s of matrix.sources) {
    lines.push(
      `${s.padEnd(width)}  ${matrix.destinations
        .map(d => (matrix.allowed[s][d] ? 'x' : '.'))
        .join(' ')}`,
    );
  }
  return lines;
}
