/** uyoop platform backend plugin (new backend system): the network reachability matrix. */
export { platformPlugin as default } from './plugin';
export { createRouter } from './router';
export type { RouterOptions } from './router';
export { catalogReachability, reachabilityReport } from './report';
