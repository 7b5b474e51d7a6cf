import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { catalogApiLookup } from './catalogLookup';
import { UyoopEntityProcessor } from './UyoopEntityProcessor';

/** The catalog enforces the platform's model: uyoop.io validation and the hosting relations. */
export const catalogModuleUyoop = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'uyoop',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        catalogApi: catalogServiceRef,
        auth: coreServices.auth,
        logger: coreServices.logger,
      },
      async init({ catalog, catalogApi, auth, logger }) {
        // Targets are looked up through the catalog's public API, as any
        // reader of the catalog sees them, not in its tables.
        const lookup = catalogApiLookup(
          catalogApi,
          () => auth.getOwnServiceCredentials(),
          {
            onError: e =>
              logger.warn(
                `Could not look references up in the catalog, checked again on the next processing: ${e}`,
              ),
          },
        );
        catalog.addProcessor(new UyoopEntityProcessor(lookup));
      },
    });
  },
});
