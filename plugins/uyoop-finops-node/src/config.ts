import type { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import type {
  AllocationWeights,
  Budget,
  BudgetScope,
} from '@internal/plugin-uyoop-finops-common';

/**
 * The `finops` section of app-config, read in one place for both front
 * doors: the backend (rootConfig) and the CLI (the same files through
 * @backstage/config-loader). Keys are declared in
 * plugins/uyoop-finops-backend/config.d.ts.
 */
export interface FinopsSettings {
  ingestEveryMinutes: number;
  ovhApi?: { host?: string; port?: number };
  nodeServices?: Record<string, string>;
  manualFiles?: string[];
  kubeconfig?: string;
  weights?: AllocationWeights;
  budgets?: Budget[];
}

function budgetsFrom(config: Config): Budget[] | undefined {
  const list = config.getOptionalConfigArray('finops.budgets');
  if (!list) return undefined;
  return list.map(b => {
    const scope = b.getString('scope');
    const [type, name] = scope.split(':', 2);
    let s: BudgetScope;
    if (scope === 'all') s = { type: 'all' };
    else if ((type === 'system' || type === 'group') && name)
      s = { type, name };
    else
      throw new Error(
        `finops.budgets: scope must be all, system:<name> or group:<name>, got "${scope}"`,
      );
    const basis = b.getString('basis');
    if (basis !== 'HT' && basis !== 'TTC')
      throw new Error(
        `finops.budgets: basis must be HT or TTC, got "${basis}"`,
      );
    return {
      name: b.getString('name'),
      scope: s,
      monthly: b.getNumber('monthly'),
      basis,
      thresholds: b.getOptional<number[]>('thresholds') ?? [0.8, 1],
    };
  });
}

export function readFinopsSettings(config: Config): FinopsSettings {
  const weights = config.getOptionalConfig('finops.allocationWeights');
  const host = config.getOptionalString('finops.ovhApi.host');
  return {
    ingestEveryMinutes:
      config.getOptionalNumber('finops.ingestEveryMinutes') ?? 60,
    ovhApi: host
      ? { host, port: config.getOptionalNumber('finops.ovhApi.port') }
      : undefined,
    nodeServices: config.getOptional<Record<string, string>>(
      'finops.nodeServices',
    ),
    manualFiles: config.getOptionalStringArray('finops.manualEntries'),
    kubeconfig: config.getOptionalString('finops.kubeconfig'),
    weights: weights
      ? { cpu: weights.getNumber('cpu'), memory: weights.getNumber('memory') }
      : undefined,
    budgets: budgetsFrom(config),
  };
}

export function kubeConfigFrom(file?: string): KubeConfig | undefined {
  if (!file) return undefined;
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}
