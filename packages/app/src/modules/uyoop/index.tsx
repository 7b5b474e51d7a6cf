import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
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
