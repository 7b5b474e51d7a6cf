/** uyoop DRP backend plugin (new backend system). */
export { drpPlugin as default, createDrpPlugin } from './plugin';
export type { DrpPluginOptions } from './plugin';
export { createRouter } from './router';
