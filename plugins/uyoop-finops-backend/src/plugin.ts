import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { finopsPermissions } from '@internal/plugin-uyoop-finops-common';
import {
  CostStore,
  createFinopsEngine,
  credentialsFromEnv,
  describeCredentials,
  readFinopsSettings,
} from '@internal/plugin-uyoop-finops-node';
import { createRouter } from './router';
import { runScheduledIngestion } from './scheduled';

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
        auditor: coreServices.auditor,
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
        auditor,
      }) {
        const credentials = credentialsFromEnv();
        logger.info(`finops: ${describeCredentials(credentials)}`);
        const store = await CostStore.create(await database.getClient());
        // The same reading of app-config as scripts/finops.ts.
        const engine = await createFinopsEngine({ config, store, logger });
        permissionsRegistry.addPermissions(finopsPermissions);

        await scheduler.scheduleTask({
          id: 'finops-ingest',
          frequency: {
            minutes: readFinopsSettings(config).ingestEveryMinutes,
          },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 1 },
          // See runScheduledIngestion: ingestion, cluster snapshot, gauges.
          fn: async () => {
            await runScheduledIngestion({ engine, store, logger });
          },
        });

        httpRouter.use(
          await createRouter({
            engine,
            httpAuth,
            permissions,
            logger,
            auditor,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // /metrics keeps the default policy: Prometheus presents a static
        // token declared in backend.auth.externalAccess.
      },
    });
  },
});
