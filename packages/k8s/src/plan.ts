/**
 * The cluster as the catalog describes it, joined with the profiles: which
 * namespaces exist, who owns them, what runs in each and on which node.
 * Every generator reads this one view.
 */
import type { Placement, Platform, PlatformService } from '@internal/platform';
import {
  defaultProfiles,
  NamespaceProfile,
  Profiles,
  Sizing,
  SYSTEM_NAMESPACE,
} from './profiles';

export interface Workload {
  /** Catalog name (a service or a database). */
  name: string;
  namespace: string;
  node: string;
  sizing: Sizing;
  runtime: PlatformService['runtime'] | 'database';
  /** Catalog names of the components it depends on. */
  dependsOn: string[];
}

export interface ManagedNamespace extends NamespaceProfile {
  name: string;
  owner: string;
  /** Systems of its services, joined: the FinOps cost centre. */
  costCentre: string;
  workloads: Workload[];
}

export interface ClusterPlan {
  namespaces: ManagedNamespace[];
  /** Every workload, in managed namespaces or not (Traefik in kube-system). */
  workloads: Workload[];
  platform: Platform;
  /** The profiles the plan was joined with. */
  profiles: Profiles;
}

export class PlanError extends Error {}

/** The value that occurs most often (ties: the first by name); undefined for none. */
export const mostCommon = (values: string[]) => {
  const counts = new Map<string, number>();
  values.forEach(v => counts.set(v, (counts.get(v) ?? 0) + 1));
  return [...counts.entries()].sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  )[0]?.[0];
};

/** Joins the catalog and the profiles; throws naming every catalog entry that has no profile. */
export function clusterPlan(
  platform: Platform,
  profiles: Profiles = defaultProfiles,
): ClusterPlan {
  const { sizing, extraNamespaces } = profiles;
  const problems: string[] = [];
  const workloads: Workload[] = [];
  const placed = [
    ...platform.services
      .filter(s => s.runtime !== 'host')
      .map(s => ({
        name: s.name,
        namespace: s.namespace,
        node: s.nodes[0],
        runtime: s.runtime as Workload['runtime'],
        dependsOn: s.dependsOn
          .filter(r => r.startsWith('component:'))
          .map(r => r.replace(/^component:(default\/)?/, '')),
      })),
    ...platform.databases.map(d => ({
      name: d.name,
      namespace: d.namespace,
      node: d.nodes[0],
      runtime: 'database' as const,
      dependsOn: [],
    })),
  ];
  const nodes = new Set(platform.nodes.map(n => n.name));
  for (const w of placed) {
    if (!nodes.has(w.node)) {
      problems.push(
        `${w.name}: node ${
          w.node ?? '(none)'
        } is not in the catalog (catalog/nodes.yaml has ${[...nodes].join(
          ', ',
        )})`,
      );
    }
    const size = sizing[w.name];
    if (!size) {
      problems.push(
        `${w.name}: no sizing in packages/k8s/src/profiles.ts (requests and limits)`,
      );
    } else if (!('bundled' in size)) {
      workloads.push({ ...w, sizing: size });
    }
  }
  const names = [
    ...new Set([
      ...platform.namespaces.map(n => n.name),
      ...Object.keys(extraNamespaces),
    ]),
  ]
    .filter(n => n !== SYSTEM_NAMESPACE)
    .sort();
  const namespaces: ManagedNamespace[] = [];
  for (const name of names) {
    const profile = profiles.namespaces[name];
    if (!profile) {
      problems.push(
        `namespace ${name}: no profile in packages/k8s/src/profiles.ts (tier and network needs)`,
      );
      continue;
    }
    const services = platform.services.filter(s => s.namespace === name);
    const extra = extraNamespaces[name];
    namespaces.push({
      ...profile,
      name,
      owner: mostCommon(services.map(s => s.owner)) ?? extra?.owner ?? 'admins',
      costCentre:
        [...new Set(services.map(s => s.system))].sort().join('.') ||
        extra?.system ||
        'platform',
      workloads: workloads.filter(w => w.namespace === name),
    });
  }
  if (problems.length > 0) {
    throw new PlanError(
      `the catalog and packages/k8s/src/profiles.ts disagree:\n  ${problems.join(
        '\n  ',
      )}`,
    );
  }
  return { namespaces, workloads, platform, profiles };
}

/** The workloads as the capacity check takes them. */
export function placements(plan: ClusterPlan): Placement[] {
  return plan.workloads.map(w => ({
    name: w.name,
    namespace: w.namespace,
    node: w.node,
    requests: w.sizing.requests,
  }));
}
