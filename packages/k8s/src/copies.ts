/**
 * A copy of the platform beside the real one: the same objects with each
 * managed namespace renamed, in object names, namespaces and the namespace
 * selectors of NetworkPolicies, so a test on a shared cluster never touches
 * the real namespaces and their workloads.
 */
import type { KubeObject } from './render';

const NAME_LABEL = 'kubernetes.io/metadata.name';

export function renamedNamespaces(
  objects: KubeObject[],
  managed: Set<string>,
  rename: (name: string) => string,
): KubeObject[] {
  const renamed = (name: string) => (managed.has(name) ? rename(name) : name);
  return JSON.parse(JSON.stringify(objects), (key, value) =>
    (key === 'namespace' || key === NAME_LABEL) && typeof value === 'string'
      ? renamed(value)
      : value,
  ).map((o: KubeObject) =>
    o.kind === 'Namespace'
      ? { ...o, metadata: { ...o.metadata, name: renamed(o.metadata.name) } }
      : o,
  );
}
