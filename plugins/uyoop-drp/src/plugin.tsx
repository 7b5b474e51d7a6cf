import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { Entity } from '@backstage/catalog-model';
import { DrpClient, drpApiRef } from './api';

export const rootRouteRef = createRouteRef();

const drpApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: drpApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new DrpClient(deps),
    }),
});

const drpPage = PageBlueprint.make({
  params: {
    path: '/drp',
    title: 'Disaster recovery',
    routeRef: rootRouteRef,
    loader: () => import('./components/DrpPage').then(m => <m.DrpPage />),
  },
});

/** Services are what gets backed up. */
export const isService = (entity: Entity) =>
  entity.kind.toLowerCase() === 'component' && entity.spec?.type === 'service';

const entityBackupCard = EntityCardBlueprint.make({
  name: 'backups',
  params: {
    filter: isService,
    type: 'info',
    loader: () =>
      import('./components/EntityBackupCard').then(m => <m.EntityBackupCard />),
  },
});

/** uyoop DRP in the portal (new frontend system). */
export const drpPlugin = createFrontendPlugin({
  pluginId: 'drp',
  title: 'Disaster recovery',
  routes: { root: rootRouteRef },
  extensions: [drpApi, drpPage, entityBackupCard],
});
