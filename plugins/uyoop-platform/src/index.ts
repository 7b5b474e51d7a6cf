/** uyoop platform frontend plugin: the systems' network reachability card and the whole matrix. */
export {
  platformPlugin as default,
  platformPlugin,
  rootRouteRef,
} from './plugin';
export { platformApiRef, PlatformClient } from './api';
export type { PlatformApi } from './api';
