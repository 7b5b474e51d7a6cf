import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { repoRoot } from '@internal/platform';
import { join } from 'node:path';
import { publishLocalAction, registerFileAction } from './publishLocal';
import { catalogCheckAction } from './catalogCheck';
import { renderManifestsAction } from './render';
import { validateManifestsAction } from './validate';

export const scaffolderModuleUyoop = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'uyoop',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
      },
      async init({ scaffolder, config, catalog, auth }) {
        // The repository whose catalog/ the golden paths read (owners, nodes, systems).
        const catalogRoot =
          config.getOptionalString('uyoop.scaffolder.catalogRoot') ?? repoRoot;
        scaffolder.addActions(
          renderManifestsAction({ catalogRoot }),
          catalogCheckAction({ catalogRoot }),
          publishLocalAction({
            root:
              config.getOptionalString('uyoop.scaffolder.localGitRoot') ??
              join(repoRoot, '.scaffolder', 'repos'),
          }),
          registerFileAction({ catalog, auth }),
          // Without a kubeconfig (the embedded default), validation is skipped.
          validateManifestsAction({
            kubeconfig: config.getOptionalString('uyoop.scaffolder.kubeconfig'),
          }),
        );
      },
    });
  },
});
