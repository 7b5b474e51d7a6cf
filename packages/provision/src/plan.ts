import { UsageError } from '@internal/platform';
import type { Platform } from '@internal/platform';
import { buildInventory, nodeAddress } from './inventory';

/** Which part of the platform a run converges; each maps to play tags in site.yml. */
export const phases = {
  socle: {
    tags: ['socle'],
    description: 'Opération Socle: common, security, WireGuard mesh, K3s',
  },
  base: { tags: ['base'], description: 'common and security only' },
  mesh: { tags: ['mesh'], description: 'the WireGuard mesh only' },
  k3s: { tags: ['k3s'], description: 'K3s server and agents only' },
  mail: {
    tags: ['mail'],
    description: 'Mailcow (Docker Engine + Compose) on its node',
  },
  all: { tags: [] as string[], description: 'every play of site.yml' },
} as const;
export type Phase = keyof typeof phases;

/** Roles each play of site.yml applies, by the tags that select it. */
const plays: { group: string; roles: string[]; tags: string[] }[] = [
  { group: 'nodes', roles: ['common', 'security'], tags: ['socle', 'base'] },
  { group: 'nodes', roles: ['wireguard'], tags: ['socle', 'mesh'] },
  { group: 'k3s_server', roles: ['k3s_server'], tags: ['socle', 'k3s'] },
  { group: 'k3s_agent', roles: ['k3s_agent'], tags: ['socle', 'k3s'] },
  { group: 'mailcow', roles: ['mailcow'], tags: ['mail'] },
];

/** A mistake in the command line itself (exit code 2). */
export { UsageError };

export interface ProvisionOptions {
  phase?: Phase;
  /** Node names to converge; the others are not touched. */
  limit?: string[];
  check?: boolean;
  diff?: boolean;
  versions: Record<string, string>;
  addresses?: Record<string, string>;
}

export interface PlannedHost {
  name: string;
  address: string;
  groups: string[];
  roles: string[];
}

export interface ProvisionPlan {
  phase: Phase;
  check: boolean;
  diff: boolean;
  hosts: PlannedHost[];
  inventory: ReturnType<typeof buildInventory>;
  /** ansible-playbook arguments after `-i <inventory> site.yml`. */
  args: string[];
  needsK3sToken: boolean;
}

/** Pure: what a run will do, to which host, with which ansible-playbook arguments. */
export function planProvision(
  platform: Platform,
  opts: ProvisionOptions,
): ProvisionPlan {
  const phase = opts.phase ?? 'socle';
  if (!(phase in phases)) {
    throw new UsageError(
      `unknown phase "${phase}": use one of ${Object.keys(phases).join(', ')}`,
    );
  }
  const names = platform.nodes.map(n => n.name);
  for (const l of opts.limit ?? []) {
    if (!names.includes(l)) {
      throw new UsageError(
        `--limit ${l}: no such node in catalog/ (nodes: ${names.join(', ')})`,
      );
    }
  }
  for (const a of Object.keys(opts.addresses ?? {})) {
    if (!names.includes(a))
      throw new UsageError(`--address ${a}=...: no such node in catalog/`);
  }
  const inventory = buildInventory(platform, {
    versions: opts.versions,
    addresses: opts.addresses,
  });
  const groupsOf = (node: string) =>
    Object.entries(inventory.all.children)
      .filter(([, g]) => node in g.hosts)
      .map(([name]) => name);
  const tags: readonly string[] = phases[phase].tags;
  const selected = plays.filter(
    p => !tags.length || p.tags.some(t => tags.includes(t)),
  );
  const hosts = platform.nodes
    .filter(n => !opts.limit?.length || opts.limit.includes(n.name))
    .map(n => {
      const groups = groupsOf(n.name);
      return {
        name: n.name,
        address: nodeAddress(n, opts.addresses),
        groups,
        roles: selected
          .filter(p => groups.includes(p.group))
          .flatMap(p => p.roles),
      };
    });
  const args: string[] = [];
  if (tags.length) args.push('--tags', tags.join(','));
  if (opts.limit?.length) args.push('--limit', opts.limit.join(','));
  if (opts.check) args.push('--check');
  if (opts.diff) args.push('--diff');
  return {
    phase,
    check: !!opts.check,
    diff: !!opts.diff,
    hosts,
    inventory,
    args,
    needsK3sToken: hosts.some(h => h.roles.some(r => r.startsWith('k3s_'))),
  };
}

export function formatPlan(plan: ProvisionPlan): string[] {
  const mode = plan.check
    ? ` (check${plan.diff ? ' + diff' : ''}: nothing changes)`
    : '';
  const out = [
    `provision: phase ${plan.phase}, ${phases[plan.phase].description}${mode}`,
  ];
  for (const h of plan.hosts) {
    out.push(
      `  ${h.name} (${h.address}) [${h.groups.join(', ')}]: ${
        h.roles.join(' -> ') || 'nothing'
      }`,
    );
  }
  return out;
}
