/** uyoop DRP frontend plugin: the DRP page and the entity backup card. */
export { drpPlugin as default, drpPlugin, rootRouteRef } from './plugin';
export { drpApiRef, DrpClient } from './api';
export type { DrpApi, RestoreRequest } from './api';
