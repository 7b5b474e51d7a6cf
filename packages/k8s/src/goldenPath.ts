/**
 * Golden paths: what the scaffolder's templates render, through the
 * platform's own generators rather than a second copy of them. A new
 * namespace joins the profiles and the catalog's plan, and comes out of
 * `platformObjects` as every other does: its labels (tier, owner, cost
 * centre), its quota and limits, its default-deny policies and the allows its
 * tier gives. The platform's reachability is then recomputed with it: a
 * template never adds a path from a dev namespace into production.
 */
import {
  allowedPairs,
  checkCapacity,
  Platform,
  PlatformService,
  policyInputs,
  reachabilityMatrix,
} from '@internal/platform';
import { clusterPlan, placements } from './plan';
import {
  defaultProfiles,
  DOMAIN,
  Profiles,
  Sizing,
  SYSTEM_NAMESPACE,
  Tier,
} from './profiles';
import { KubeObject, platformObjects } from './render';
import {
  confined,
  Context,
  nonRootPod,
  resourcesOf,
  serviceOf,
  servicePorts,
  singleDeployment,
  tcpProbe,
} from './workloads/kit';

export interface NewNamespace {
  name: string;
  tier: Tier;
  /** A catalog Group. */
  owner: string;
  /** The catalog System it serves: its FinOps cost centre. */
  system: string;
}

/** Bad input to a golden path: `field` names the parameter at fault. */
export class GoldenPathError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'GoldenPathError';
  }
}

/** A DNS-1123 label: what Kubernetes accepts as a namespace or Service name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkDnsLabel(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new GoldenPathError(field, 'is required');
  if (value.length > 63 || !DNS_LABEL.test(value))
    throw new GoldenPathError(
      field,
      `"${value.slice(
        0,
        80,
      )}" is not a DNS-1123 label (lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit)`,
    );
  return value;
}

/** Checks a new namespace against the catalog; throws a GoldenPathError naming the field. */
export function checkNewNamespace(
  platform: Platform,
  input: Record<string, unknown>,
  profiles: Profiles = defaultProfiles,
): NewNamespace {
  const name = checkDnsLabel('name', input.name);
  const taken = new Set([
    ...platform.namespaces.map(n => n.name),
    ...Object.keys(profiles.namespaces),
    SYSTEM_NAMESPACE,
  ]);
  if (taken.has(name))
    throw new GoldenPathError('name', `namespace ${name} already exists`);
  if (input.tier !== 'dev' && input.tier !== 'prod')
    throw new GoldenPathError('tier', 'must be dev or prod');
  if (input.tier === 'dev' && name.startsWith('prod-'))
    throw new GoldenPathError('name', 'a dev namespace cannot be named prod-*');
  const owner = String(input.owner ?? '').replace(/^group:(default\/)?/, '');
  if (!platform.groups.includes(owner))
    throw new GoldenPathError(
      'owner',
      `${owner || '(none)'} is not a catalog Group (${platform.groups.join(
        ', ',
      )})`,
    );
  const system = String(input.system ?? '').replace(/^system:(default\/)?/, '');
  if (!platform.systems.includes(system))
    throw new GoldenPathError(
      'system',
      `${system || '(none)'} is not a catalog System (${platform.systems.join(
        ', ',
      )})`,
    );
  return { name, tier: input.tier, owner, system };
}

/** The profiles with one more namespace. */
export function withNamespace(profiles: Profiles, ns: NewNamespace): Profiles {
  return {
    ...profiles,
    namespaces: { ...profiles.namespaces, [ns.name]: { tier: ns.tier } },
    extraNamespaces: {
      ...profiles.extraNamespaces,
      [ns.name]: { owner: ns.owner, system: ns.system },
    },
  };
}

/** Paths from a dev namespace to another managed namespace (DNS in kube-system aside). */
export function devEscapes(
  objects: KubeObject[],
  profiles: Profiles,
): string[] {
  const { namespaces, policies } = policyInputs(objects, [SYSTEM_NAMESPACE]);
  const tier = (ns: string) => profiles.namespaces[ns]?.tier;
  return allowedPairs(reachabilityMatrix(namespaces, policies, {})).filter(
    pair => {
      const [from, to] = pair.split(' -> ');
      return tier(from) === 'dev' && to !== from && to !== SYSTEM_NAMESPACE;
    },
  );
}

/**
 * The objects of a new namespace, rendered by the platform's generators; fails
 * when the platform with it would let a dev namespace reach another one.
 */
export function namespaceManifests(
  platform: Platform,
  ns: NewNamespace,
  profiles: Profiles = defaultProfiles,
): KubeObject[] {
  const extended = withNamespace(profiles, ns);
  const all = platformObjects(clusterPlan(platform, extended));
  const escapes = devEscapes(all, extended);
  if (escapes.length > 0)
    throw new GoldenPathError(
      'tier',
      `with ${ns.name}, dev traffic would reach: ${escapes.join(', ')}`,
    );
  return all.filter(o =>
    o.kind === 'Namespace'
      ? o.metadata.name === ns.name
      : o.metadata.namespace === ns.name,
  );
}

/** The two golden paths of a service: an HTTP service behind SSO, or a public static site. */
export type ServiceKind = 'web-service' | 'static-site';

export interface NewService {
  kind: ServiceKind;
  name: string;
  tier: Tier;
  owner: string;
  system: string;
  /** A catalog node. */
  node: string;
  /** The image, pinned by tag or digest. */
  image: string;
  port: number;
}

/** What a new service asks of its node: small, as a golden path starts. */
export const GOLDEN_PATH_SIZING: Omit<Sizing, 'port'> = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** A new service lives in a namespace of its own, named by its tier. */
export const serviceNamespace = (s: Pick<NewService, 'name' | 'tier'>) =>
  `${s.tier}-${s.name}`;

/** Its public host. */
export const serviceHost = (s: Pick<NewService, 'name'>) =>
  `${s.name}.${DOMAIN}`;

const IMAGE = /^[a-z0-9]+([._/:@-][a-zA-Z0-9_]+)*$/;

/** Checks a new service against the catalog; throws a GoldenPathError naming the field. */
export function checkNewService(
  platform: Platform,
  input: Record<string, unknown>,
  profiles: Profiles = defaultProfiles,
): NewService {
  if (input.kind !== 'web-service' && input.kind !== 'static-site')
    throw new GoldenPathError('kind', 'must be web-service or static-site');
  const name = checkDnsLabel('name', input.name);
  if (name.length > 40)
    throw new GoldenPathError(
      'name',
      'at most 40 characters (it prefixes its namespace and host)',
    );
  const ns = checkNewNamespace(
    platform,
    { ...input, name: `${String(input.tier)}-${name}` },
    profiles,
  );
  if (platform.services.some(s => s.name === name) || profiles.sizing[name])
    throw new GoldenPathError('name', `service ${name} already exists`);
  const node = String(input.node ?? '').replace(/^resource:(default\/)?/, '');
  if (!platform.nodes.some(n => n.name === node))
    throw new GoldenPathError(
      'node',
      `${node || '(none)'} is not a catalog node (${platform.nodes
        .map(n => n.name)
        .join(', ')})`,
    );
  const image = String(input.image ?? '');
  if (
    !IMAGE.test(image) ||
    !/[:@]/.test(image.split('/').pop()!) ||
    image.endsWith(':latest')
  )
    throw new GoldenPathError(
      'image',
      `"${image.slice(0, 80)}" is not an image pinned by tag or digest`,
    );
  const port = Number(input.port);
  if (!Number.isInteger(port) || port < 1024 || port > 65535)
    throw new GoldenPathError(
      'port',
      'must be an unprivileged port (1024-65535)',
    );
  return {
    kind: input.kind,
    name,
    tier: ns.tier,
    owner: ns.owner,
    system: ns.system,
    node,
    image,
    port,
  };
}

/** The workload of a golden-path service: one stateless Deployment and its Service, non-root and read-only. */
const goldenWorkload = (s: NewService) => (c: Context) =>
  [
    singleDeployment(
      c,
      {
        securityContext: nonRootPod(10001),
        automountServiceAccountToken: false,
        containers: [
          {
            name: s.name,
            image: s.image,
            ports: [{ name: 'http', containerPort: s.port }],
            resources: resourcesOf(c.w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            readinessProbe: tcpProbe(s.port, 5),
            livenessProbe: tcpProbe(s.port, 20),
          },
        ],
      },
      true,
    ),
    serviceOf(c.w, servicePorts(c.w)),
  ];

/** The catalog and the profiles with a new service in its own namespace. */
export function withService(
  platform: Platform,
  profiles: Profiles,
  s: NewService,
): { platform: Platform; profiles: Profiles } {
  const namespace = serviceNamespace(s);
  const service: PlatformService = {
    name: s.name,
    title: s.name,
    type: s.kind === 'static-site' ? 'website' : 'service',
    lifecycle: s.tier === 'prod' ? 'production' : 'experimental',
    system: s.system,
    owner: s.owner,
    namespace,
    nodes: [s.node],
    storageTier: 'nvme',
    runtime: 'k3s',
    backup: ['velero'],
    dependsOn: [`resource:default/${s.node}`],
  };
  const extended = withNamespace(profiles, {
    name: namespace,
    tier: s.tier,
    owner: s.owner,
    system: s.system,
  });
  return {
    platform: {
      ...platform,
      services: [...platform.services, service],
      namespaces: [
        ...platform.namespaces,
        {
          name: namespace,
          services: [s.name],
          nodes: [s.node],
          systems: [s.system],
        },
      ],
    },
    profiles: {
      ...extended,
      sizing: {
        ...extended.sizing,
        [s.name]: { ...GOLDEN_PATH_SIZING, port: s.port },
      },
      exposures: [
        ...extended.exposures,
        {
          service: s.name,
          hosts: [serviceHost(s)],
          // A static site is public; a web service's UI sits behind Authelia.
          ...(s.kind === 'static-site' ? { publicPaths: ['/'] } : {}),
        },
      ],
      builders: { ...extended.builders, [s.name]: goldenWorkload(s) },
    },
  };
}

/**
 * The objects of a new service, rendered by the platform's generators: its
 * namespace (labels, quota, default-deny and the allows for Traefik and
 * monitoring), its Deployment and Service on the catalog node, its route
 * (behind Authelia for a web service), its Certificate, and its daily Velero
 * Schedule. Fails when the node cannot hold it, or dev traffic would escape.
 */
export function serviceManifests(
  platform: Platform,
  s: NewService,
  profiles: Profiles = defaultProfiles,
): KubeObject[] {
  const extended = withService(platform, profiles, s);
  const plan = clusterPlan(extended.platform, extended.profiles);
  const capacity = checkCapacity(extended.platform.nodes, placements(plan));
  const node = capacity.nodes.find(n => n.node === s.node);
  if (node && !node.fits)
    throw new GoldenPathError(
      'node',
      `${s.node} cannot hold ${s.name}: ${node.overflow.join(
        ', ',
      )} would not fit`,
    );
  const all = platformObjects(plan);
  const escapes = devEscapes(all, extended.profiles);
  if (escapes.length > 0)
    throw new GoldenPathError(
      'tier',
      `dev traffic would reach: ${escapes.join(', ')}`,
    );
  const namespace = serviceNamespace(s);
  return all.filter(o =>
    o.kind === 'Namespace'
      ? o.metadata.name === namespace
      : o.metadata.namespace === namespace ||
        (o.kind === 'Schedule' && o.metadata.name === `daily-${namespace}`),
  );
}
