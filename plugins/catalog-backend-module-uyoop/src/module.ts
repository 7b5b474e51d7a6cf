import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { refreshStateLookup, rememberFound } from './catalogLookup';
import { UyoopEntityProcessor } from './UyoopEntityProcessor';

/** The catalog enforces the platform's model: uyoop.io validation and the hosting relations. */
export const catalogModuleUyoop = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'uyoop',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        database: coreServices.database,
      },
      async init({ catalog, database }) {
        // The catalog's own database (this module shares the catalog plugin's).
        const knex = await database.getClient();
        catalog.addProcessor(
          new UyoopEntityProcessor(rememberFound(refreshStateLookup(knex))),
        );
      },
    });
  },
});
