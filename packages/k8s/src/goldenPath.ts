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
  Platform,
  policyInputs,
  reachabilityMatrix,
} from '@internal/platform';
import { clusterPlan } from './plan';
import { defaultProfiles, Profiles, SYSTEM_NAMESPACE, Tier } from './profiles';
import { KubeObject, platformObjects } from './render';

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
