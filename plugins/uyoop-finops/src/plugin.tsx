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
import { FinopsClient, finopsApiRef } from './api';

export const rootRouteRef = createRouteRef();

const finopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: finopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new FinopsClient(deps),
    }),
});

const finopsPage = PageBlueprint.make({
  params: {
    path: '/finops',
    title: 'FinOps',
    routeRef: rootRouteRef,
    loader: () => import('./components/FinopsPage').then(m => <m.FinopsPage />),
  },
});

/** Nodes and the components that run on them have a cost. */
export const hasCost = (entity: Entity) =>
  entity.kind.toLowerCase() === 'component' ||
  (entity.kind.toLowerCase() === 'resource' && entity.spec?.type === 'node');

const entityCostCard = EntityCardBlueprint.make({
  name: 'cost',
  params: {
    filter: hasCost,
    type: 'info',
    loader: () =>
      import('./components/EntityCostCard').then(m => <m.EntityCostCard />),
  },
});

/** uyoop FinOps in the portal (new frontend system). */
export const finopsPlugin = createFrontendPlugin({
  pluginId: 'finops',
  title: 'FinOps',
  routes: { root: rootRouteRef },
  extensions: [finopsApi, finopsPage, entityCostCard],
});
