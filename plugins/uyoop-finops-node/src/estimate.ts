import {
  CostLine,
  targetCatalog,
  TargetCost,
} from '@internal/plugin-uyoop-finops-common';
import type { PlatformNode } from '@internal/platform';
import { makeLine } from './lines';

/**
 * The first month of the platform: the earliest `uyoop.io/in-service-since`
 * of the catalog's nodes. The shared costs (domains, backup buffer) start
 * with it; each node starts at its own month.
 */
export function estimatesSince(nodes: PlatformNode[]): string | undefined {
  return nodes
    .map(n => n.inServiceSince)
    .filter((s): s is string => !!s)
    .sort()[0];
}

/**
 * The embedded default without OVH credentials: for a period, each catalog
 * node at its catalog price (`uyoop.io/monthly-price-eur` and its basis)
 * from the month it entered service, and the dossier's other target lines,
 * every line labelled estimate.
 */
export function estimateLines(
  period: string,
  nodes: PlatformNode[],
  catalog: TargetCost[] = targetCatalog,
): CostLine[] {
  const since = estimatesSince(nodes) ?? '0000-00';
  const nodeLines = nodes
    .filter(n => (n.inServiceSince ?? '0000-00') <= period)
    .map(n =>
      makeLine({
        period,
        source: 'estimate',
        externalId: `node:${n.name}`,
        category: 'compute',
        node: n.name,
        description: `${n.title}: catalog price (estimate)`,
        amount: n.monthlyPrice.amount,
        basis: n.monthlyPrice.basis,
        estimate: true,
      }),
    );
  const others = catalog
    .filter(t => t.kind !== 'option' && !t.node && since <= period)
    .map(t =>
      makeLine({
        period,
        source: 'estimate',
        externalId: t.id,
        category: t.category,
        description: `${t.label}: dossier target price (estimate)`,
        amount: t.monthly,
        basis: t.basis,
        estimate: true,
      }),
    );
  return [...nodeLines, ...others];
}
