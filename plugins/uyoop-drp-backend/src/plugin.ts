import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { Platform, ProcessRunner } from '@internal/platform';
import { drpPermissions } from '@internal/plugin-uyoop-drp-common';
import {
  createDrpEngine,
  DrpEngineOptions,
  DrpStore,
  readDrpSettings,
} from '@internal/plugin-uyoop-drp-node';
import { createRouter } from './router';

/** What a test (or another cluster) may replace; production uses the defaults. */
export interface DrpPluginOptions {
  runner?: ProcessRunner;
  platform?: Platform;
  env?: NodeJS.ProcessEnv;
  overrides?: Partial<DrpEngineOptions>;
}

/** uyoop DRP: routes, permissions, audit records, drill recovery, scheduled checks and drills. */
export function createDrpPlugin(options: DrpPluginOptions = {}) {
  return createBackendPlugin({
    pluginId: 'drp',
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
          const store = await DrpStore.create(await database.getClient());
          const engine = await createDrpEngine({
            store,
            config,
            env: options.env,
            runner: options.runner,
            platform: options.platform,
            overrides: options.overrides,
          });
          const settings = readDrpSettings(config, options.env);
          permissionsRegistry.addPermissions(drpPermissions);

          // A drill left running by a process that died: resumed (its
          // namespace gets its restore) or failed with the reason.
          engine.recoverDrills().then(
            drills =>
              drills.forEach(d =>
                logger.warn(
                  `drp: drill ${d.id} on ${
                    d.namespace
                  } was interrupted by a restart: ${d.status}${
                    d.error ? ` (${d.error})` : ''
                  }`,
                ),
              ),
            e =>
              logger.error(
                `drp: could not resolve interrupted drills: ${
                  (e as Error).message
                }`,
              ),
          );

          if (engine.restic)
            await scheduler.scheduleTask({
              id: 'drp-restic-check',
              frequency: { hours: settings.checkEveryHours },
              timeout: { hours: 2 },
              fn: async () => {
                const c = await engine.check(settings.checkSubset);
                if (c.ok) logger.info(`drp: restic check ${c.subset} ok`);
                else logger.error(`drp: restic check failed: ${c.output}`);
              },
            });
          if (engine.restic)
            await scheduler.scheduleTask({
              id: 'drp-database-dumps',
              frequency: { hours: settings.dumpEveryHours },
              timeout: { hours: 2 },
              fn: async () => {
                const dumps = await engine.dumpDatabases();
                logger.info(
                  `drp: dumped ${dumps
                    .map(d => `${d.database} (snapshot ${d.snapshot})`)
                    .join(', ')}`,
                );
              },
            });
          for (const d of config.getOptionalConfigArray(
            'drp.scheduledDrills',
          ) ?? []) {
            const namespace = d.getString('namespace');
            await scheduler.scheduleTask({
              id: `drp-drill-${namespace}`,
              frequency: { days: d.getNumber('everyDays') },
              timeout: { hours: 2 },
              fn: async () => {
                const { done } = await engine.startDrill({
                  namespace,
                  actor: 'scheduler:drp',
                });
                const r = await done;
                logger.info(
                  `drp: scheduled drill ${r.id} on ${namespace}: ${r.status}${
                    r.error ? ` (${r.error})` : ''
                  }`,
                );
              },
            });
          }

          httpRouter.use(
            await createRouter({
              engine,
              httpAuth,
              permissions,
              auditor,
              logger,
            }),
          );
          httpRouter.addAuthPolicy({
            path: '/health',
            allow: 'unauthenticated',
          });
        },
      });
    },
  });
}

export const drpPlugin = createDrpPlugin();
