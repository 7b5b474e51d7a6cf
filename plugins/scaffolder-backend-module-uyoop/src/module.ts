import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { repoRoot } from '@internal/platform';
import { join } from 'node:path';
import Router from 'express-promise-router';
import { catalogCheckAction } from './catalogCheck';
import { LocalForge, publishLocalAction } from './localForge';
import {
  catalogRegisterAction,
  forgeFromConfig,
  publishTargetAction,
} from './publish';
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
        discovery: coreServices.discovery,
        http: coreServices.httpRouter,
      },
      async init({ scaffolder, config, catalog, auth, discovery, http }) {
        // The repository whose catalog/ the golden paths read (owners, nodes, systems).
        const catalogRoot =
          config.getOptionalString('uyoop.scaffolder.catalogRoot') ?? repoRoot;
        const localBaseUrl = `${await discovery.getExternalBaseUrl(
          'scaffolder',
        )}/repos`;
        const forge = forgeFromConfig(
          config,
          () =>
            new LocalForge(
              config.getOptionalString('uyoop.scaffolder.localGitRoot') ??
                join(repoRoot, '.scaffolder', 'repos'),
              localBaseUrl,
            ),
        );
        if (forge.kind === 'local') {
          // The local forge is read by the catalog's URL reader, which signs
          // nothing: its read-only view is open, and only where GitLab is not
          // configured (never in production).
          http.use(Router().use('/repos', forge.forge.router()));
          http.addAuthPolicy({ path: '/repos', allow: 'unauthenticated' });
          scaffolder.addActions(publishLocalAction(forge.forge));
        }
        scaffolder.addActions(
          renderManifestsAction({ catalogRoot }),
          catalogCheckAction({ catalogRoot }),
          publishTargetAction(forge),
          catalogRegisterAction({ forge, catalog, auth }),
          // Without a kubeconfig (the embedded default), validation is skipped.
          validateManifestsAction({
            kubeconfig: config.getOptionalString('uyoop.scaffolder.kubeconfig'),
          }),
        );
      },
    });
  },
});
