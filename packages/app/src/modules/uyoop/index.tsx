import {
  ApiBlueprint,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  ALL_RELATION_PAIRS,
  ALL_RELATIONS,
  DefaultCatalogGraphApi,
  catalogGraphApiRef,
} from '@backstage/plugin-catalog-graph';
import { uyoopDarkTheme, uyoopLightTheme } from './theme';

/** uyoop's look: its themes replace the stock ones (see app-config.yaml). */
export const uyoopThemeModule = createFrontendModule({
  pluginId: 'app',
  extensions: [uyoopLightTheme, uyoopDarkTheme],
});

const nodeSpecsCard = EntityCardBlueprint.make({
  name: 'node-specs',
  params: {
    filter: { kind: 'resource', 'spec.type': 'node' },
    type: 'info',
    loader: () => import('./NodeSpecsCard').then(m => <m.NodeSpecsCard />),
  },
});

/** Catalog additions: the specs card on node pages. */
export const uyoopCatalogModule = createFrontendModule({
  pluginId: 'catalog',
  extensions: [nodeSpecsCard],
});

/**
 * The catalog graph knows the uyoop relations (hostedOn/hosts, from the
 * catalog module), so its relation filter offers `hosts`.
 */
const catalogGraphApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: catalogGraphApiRef,
      deps: {},
      factory: () =>
        new DefaultCatalogGraphApi({
          knownRelations: [...ALL_RELATIONS, 'hostedOn', 'hosts'],
          knownRelationPairs: [...ALL_RELATION_PAIRS, ['hostedOn', 'hosts']],
          defaultRelationTypes: { exclude: [] },
        }),
    }),
});

/** Catalog graph additions: the hosting relations. */
export const uyoopCatalogGraphModule = createFrontendModule({
  pluginId: 'catalog-graph',
  extensions: [catalogGraphApi],
});
