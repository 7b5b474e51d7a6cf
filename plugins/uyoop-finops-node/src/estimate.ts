import {
  CostLine,
  targetCatalog,
  TargetCost,
} from '@internal/plugin-uyoop-finops-common';
import type { PlatformNode } from '@internal/platform';
import { makeLine } from './lines';

/**
 * When each target line starts, from the dossier's migration plan: the core
 * node, the domains and the backup buffer with phase 1 (February 2026), the
 * AI node with phase 2 (April 2026).
 */
export const ESTIMATE_SINCE: Record<string, string> = {
  'vps-3': '2026-02',
  domains: '2026-02',
  's3-buffer': '2026-02',
  'vps-2': '2026-04',
};

/**
 * The embedded default without OVH credentials: the dossier's target prices
 * for a period, every line labelled estimate. A node's price comes from the
 * catalog (uyoop.io/monthly-price-eur and its basis) when the node exists.
 */
export function estimateLines(
  period: string,
  nodes: PlatformNode[],
  catalog: TargetCost[] = targetCatalog,
): CostLine[] {
  return catalog
    .filter(t => t.kind !== 'option')
    .filter(t => (ESTIMATE_SINCE[t.id] ?? '0000-00') <= period)
    .map(t => {
      const node = t.node ? nodes.find(n => n.name === t.node) : undefined;
      const price = node
        ? node.monthlyPrice
        : { amount: t.monthly, basis: t.basis };
      return makeLine({
        period,
        source: 'estimate',
        externalId: t.id,
        category: t.category,
        node: node?.name ?? null,
        description: `${t.label}: dossier target price (estimate)`,
        amount: price.amount,
        basis: price.basis,
        estimate: true,
      });
    });
}
