import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { PlatformClient, platformApiRef } from './api';

export const rootRouteRef = createRouteRef();

const platformApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: platformApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new PlatformClient(deps),
    }),
});

const networkPage = PageBlueprint.make({
  params: {
    path: '/network',
    title: 'Network reachability',
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/NetworkPage').then(m => <m.NetworkPage />),
  },
});

const entityReachabilityCard = EntityCardBlueprint.make({
  name: 'reachability',
  params: {
    filter: { kind: 'system' },
    loader: () =>
      import('./components/EntityReachabilityCard').then(m => (
        <m.EntityReachabilityCard />
      )),
  },
});

/** uyoop platform in the portal (new frontend system). */
export const platformPlugin = createFrontendPlugin({
  pluginId: 'platform',
  title: 'Network reachability',
  routes: { root: rootRouteRef },
  extensions: [platformApi, networkPage, entityReachabilityCard],
});
