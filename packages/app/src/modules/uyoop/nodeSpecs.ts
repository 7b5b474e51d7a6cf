import type { Entity } from '@backstage/catalog-model';

/** The uyoop.io/ annotations a node carries (catalog/README.md), as the rows a person reads. */
export function nodeSpecRows(node: Entity): { label: string; value: string }[] {
  const a = (key: string) =>
    node.metadata.annotations?.[`uyoop.io/${key}`] ?? '—';
  return [
    { label: 'Offer', value: `${a('provider')} ${a('offer')}` },
    { label: 'Region', value: a('region') },
    { label: 'vCores', value: a('vcpu') },
    { label: 'RAM', value: `${a('memory-gib')} GiB` },
    { label: 'Disk', value: `${a('disk-gib')} GiB NVMe` },
    {
      label: 'Monthly price',
      value: `${a('monthly-price-eur')} EUR ${a('price-basis')}`,
    },
    { label: 'K3s role', value: a('k3s-role') },
    { label: 'Mesh address', value: a('mesh-address') },
    { label: 'Public host', value: a('public-host') },
  ];
}

/** The namespace shown for an entity that names none. */
export const NO_NAMESPACE = '(no namespace)';

/** What a node hosts, grouped by Kubernetes namespace, namespaces and entities by name. */
export function groupByNamespace(
  hosted: Entity[],
): { namespace: string; entities: Entity[] }[] {
  const groups = new Map<string, Entity[]>();
  for (const e of hosted) {
    const ns =
      e.metadata.annotations?.['backstage.io/kubernetes-namespace'] ??
      NO_NAMESPACE;
    groups.set(ns, [...(groups.get(ns) ?? []), e]);
  }
  return [...groups.keys()].sort().map(namespace => ({
    namespace,
    entities: groups
      .get(namespace)!
      .sort((x, y) => x.metadata.name.localeCompare(y.metadata.name)),
  }));
}
