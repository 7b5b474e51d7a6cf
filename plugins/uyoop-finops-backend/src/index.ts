/** uyoop FinOps backend plugin (new backend system). */
export { finopsPlugin as default } from './plugin';
export { createRouter } from './router';
export { refreshFinopsMetrics, renderFinopsMetrics } from './metrics';
export { runScheduledIngestion } from './scheduled';
export type { ScheduledRun } from './scheduled';
