import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { repoRoot } from '@internal/platform';
import { catalogCheckAction } from './catalogCheck';
import { renderManifestsAction } from './render';

export const scaffolderModuleUyoop = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'uyoop',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        // The repository whose catalog/ the golden paths read (owners, nodes, systems).
        const catalogRoot =
          config.getOptionalString('uyoop.scaffolder.catalogRoot') ?? repoRoot;
        scaffolder.addActions(
          renderManifestsAction({ catalogRoot }),
          catalogCheckAction({ catalogRoot }),
        );
      },
    });
  },
});
