import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import { loadPlatform } from '@internal/platform';
import {
  Budget,
  BudgetScope,
  finopsPermissions,
} from '@internal/plugin-uyoop-finops-common';
import {
  CostStore,
  createOvhApi,
  credentialsFromEnv,
  describeCredentials,
  FinopsEngine,
} from '@internal/plugin-uyoop-finops-node';
import { createRouter } from './router';

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
    return {
      name: b.getString('name'),
      scope: s,
      monthly: b.getNumber('monthly'),
      basis: b.getString('basis') as 'HT' | 'TTC',
      thresholds: b.getOptional<number[]>('thresholds') ?? [0.8, 1],
    };
  });
}

/** uyoop FinOps: routes, scheduled ingestion, store, permissions, metrics. */
export const finopsPlugin = createBackendPlugin({
  pluginId: 'finops',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        logger,
        config,
        database,
        scheduler,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
      }) {
        const credentials = credentialsFromEnv();
        logger.info(`finops: ${describeCredentials(credentials)}`);
        const kubeconfig = config.getOptionalString('finops.kubeconfig');
        let kubeConfig: KubeConfig | undefined;
        if (kubeconfig) {
          kubeConfig = new KubeConfig();
          kubeConfig.loadFromFile(kubeconfig);
        }
        const weights = config.getOptionalConfig('finops.allocationWeights');
        const engine = new FinopsEngine({
          store: await CostStore.create(await database.getClient()),
          platform: await loadPlatform(),
          ovh: credentials
            ? createOvhApi(credentials, {
                host: config.getOptionalString('finops.ovhApi.host'),
                port: config.getOptionalNumber('finops.ovhApi.port'),
              })
            : undefined,
          cloudProjectId: credentials?.cloudProjectId,
          nodeServices: config.getOptional<Record<string, string>>(
            'finops.nodeServices',
          ),
          manualFiles: config.getOptionalStringArray('finops.manualEntries'),
          kubeConfig,
          weights: weights
            ? {
                cpu: weights.getNumber('cpu'),
                memory: weights.getNumber('memory'),
              }
            : undefined,
          budgets: budgetsFrom(config),
          logger,
        });
        permissionsRegistry.addPermissions(finopsPermissions);

        await scheduler.scheduleTask({
          id: 'finops-ingest',
          frequency: {
            minutes:
              config.getOptionalNumber('finops.ingestEveryMinutes') ?? 60,
          },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 1 },
          fn: async () => {
            await engine
              .ingest()
              .catch(e =>
                logger.error(
                  `finops: ingestion failed: ${(e as Error).message}`,
                ),
              );
          },
        });

        httpRouter.use(
          await createRouter({ engine, httpAuth, permissions, logger }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Prometheus scrapes without a Backstage token; the figures are the ones of the Grafana board.
        httpRouter.addAuthPolicy({
          path: '/metrics',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
