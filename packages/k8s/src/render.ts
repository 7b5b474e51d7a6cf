/**
 * Every object of the cluster platform, built from the catalog, validated
 * against its schema, and rendered to the files committed under infra/k8s
 * (one file per namespace, one for cluster-scoped objects), the plain
 * rule file of infra/monitoring and its Grafana dashboards of the nodes and
 * the backups.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Platform } from '@internal/platform';
import { stringify } from 'yaml';
import { dashboardFiles } from './dashboards';
import { clusterIssuers, ingressObjects } from './ingress';
import { namespaceObjects } from './namespaces';
import { networkPolicies } from './networkPolicies';
import { clusterPlan, ClusterPlan } from './plan';
import { prometheusRules, ruleGroups } from './rules';
import { serviceObjects } from './services';
import { backupSchedules } from './backupSchedules';

/** A Kubernetes object as the API takes it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  [field: string]: unknown;
}

interface Model {
  validate(): void;
  toJSON(): unknown;
}

export const K8S_DIR = join('infra', 'k8s');
export const RULES_FILE = join(
  'infra',
  'monitoring',
  'prometheus',
  'rules',
  'platform.rules.yml',
);

const HEADER =
  '# Generated from catalog/ by `yarn uyoop k8s render` (packages/k8s). Do not edit:\n' +
  '# change the catalog or the generators, then render again.\n';

/** Every object, validated: an object its schema rejects stops the render with its name. */
export function platformObjects(plan: ClusterPlan): KubeObject[] {
  const models: Model[] = [
    ...namespaceObjects(plan),
    ...networkPolicies(plan),
    ...clusterIssuers(),
    ...ingressObjects(plan),
    ...prometheusRules(plan.platform),
    ...serviceObjects(plan),
    ...backupSchedules(plan),
  ];
  return models.map(m => {
    const json = m.toJSON() as KubeObject;
    try {
      m.validate();
    } catch (e) {
      throw new Error(
        `${json.kind} ${json.metadata?.namespace ?? ''}/${
          json.metadata?.name
        }: ${(e as Error).message}`,
      );
    }
    // A plain, ordered copy: what the files hold and what the analyzers read.
    return JSON.parse(JSON.stringify(json));
  });
}

/** The files to commit, by path relative to the repository root. */
export function renderFiles(platform: Platform): Map<string, string> {
  const plan = clusterPlan(platform);
  const objects = platformObjects(plan);
  const files = new Map<string, string>();
  const add = (path: string, objs: KubeObject[]) =>
    files.set(path, HEADER + objs.map(o => `---\n${stringify(o)}`).join(''));
  add(
    join(K8S_DIR, 'cluster.yaml'),
    objects.filter(o => !o.metadata.namespace && o.kind !== 'Namespace'),
  );
  for (const ns of plan.namespaces) {
    add(join(K8S_DIR, 'namespaces', `${ns.name}.yaml`), [
      ...objects.filter(
        o => o.kind === 'Namespace' && o.metadata.name === ns.name,
      ),
      ...objects.filter(o => o.metadata.namespace === ns.name),
    ]);
  }
  files.set(
    RULES_FILE,
    HEADER + stringify({ groups: ruleGroups(platform) }, { lineWidth: 0 }),
  );
  for (const [path, text] of dashboardFiles(platform)) files.set(path, text);
  return files;
}

async function listYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listYaml(path)));
    else if (e.name.endsWith('.yaml')) out.push(path);
  }
  return out;
}

export interface RenderResult {
  /** Paths (relative to the root) whose content differs from a fresh render, or missing. */
  stale: string[];
  /** Rendered files under infra/k8s that no generator produces any more. */
  orphaned: string[];
  files: Map<string, string>;
}

/** Compares the committed files with a fresh render; writes them when `write`. */
export async function renderTo(
  root: string,
  platform: Platform,
  write: boolean,
): Promise<RenderResult> {
  const files = renderFiles(platform);
  const stale: string[] = [];
  for (const [path, text] of files) {
    const current = await readFile(join(root, path), 'utf8').catch(() => null);
    if (current !== text) stale.push(path);
  }
  const orphaned = (await listYaml(join(root, K8S_DIR)))
    .map(p => relative(root, p))
    .filter(p => !files.has(p));
  if (write) {
    for (const path of stale) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), files.get(path)!);
    }
    for (const path of orphaned) await rm(join(root, path));
  }
  return { stale, orphaned, files };
}
