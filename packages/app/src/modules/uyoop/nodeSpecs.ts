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

/** Whether a component runs on the node (uyoop.io/node lists node names). */
export function runsOn(component: Entity, nodeName: string): boolean {
  return (component.metadata.annotations?.['uyoop.io/node'] ?? '')
    .split(',')
    .includes(nodeName);
}
