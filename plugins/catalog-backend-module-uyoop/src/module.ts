import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogLocationsExtensionPoint,
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
        locations: catalogLocationsExtensionPoint,
        catalogApi: catalogServiceRef,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({ catalog, locations, catalogApi, auth, logger, config }) {
        // The golden paths' local repositories are registered as file
        // locations on the embedded default; production registers URLs only.
        if (config.getOptionalBoolean('uyoop.catalog.allowFileLocations'))
          locations.setAllowedLocationTypes(['url', 'file']);
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
