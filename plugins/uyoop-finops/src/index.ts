/** uyoop FinOps frontend plugin: the FinOps page and the entity cost card. */
export { finopsPlugin as default, finopsPlugin, rootRouteRef } from './plugin';
export { finopsApiRef, FinopsClient } from './api';
export type { FinopsApi } from './api';
