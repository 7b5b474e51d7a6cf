import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { devToProdPaths } from '@internal/plugin-uyoop-platform-common';
import { catalogReachability } from './report';
import { createRouter } from './router';

/** uyoop platform: the cluster's network reachability, as the catalog's NetworkPolicies allow it. */
export const platformPlugin = createBackendPlugin({
  pluginId: 'platform',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
      },
      async init({ logger, httpRouter, httpAuth }) {
        // Computed once, without holding up the start: the catalog the
        // policies are rendered from does not change while the backend runs.
        const report = catalogReachability();
        report.then(
          r => {
            const devToProd = devToProdPaths(r);
            if (devToProd.length > 0) {
              logger.error(
                `platform: dev-tier namespaces reach prod ones: ${devToProd
                  .map(p => `${p.from} -> ${p.to}`)
                  .join(', ')}`,
              );
            } else {
              logger.info(
                `platform: reachability of ${r.sources.length} namespaces computed; no dev-tier namespace reaches a prod one`,
              );
            }
          },
          e =>
            logger.error(
              `platform: the reachability matrix could not be computed from the catalog: ${e.message}`,
            ),
        );
        httpRouter.use(
          await createRouter({ httpAuth, reachability: () => report }),
        );
      },
    });
  },
});
