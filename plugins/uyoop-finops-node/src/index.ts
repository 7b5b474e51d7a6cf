/**
 * FinOps engine: OVH ingestion, estimates, manual entries, allocation from the
 * cluster, the store, reports and the command line. The backend plugin and
 * scripts/finops.ts are thin callers of it.
 */
export * from './credentials';
export { createOvhApi, OvhApiError } from './ovh/client';
export type { OvhApi, OvhApiOptions } from './ovh/client';
export * from './ovh/source';
export type * from './ovh/types';
export * from './lines';
export * from './estimate';
export * from './manual';
export * from './cluster';
export { CostStore } from './store/store';
export type {
  MonthlyRollupRow,
  AllocationRow,
  SourceChange,
  MetricSample,
} from './store/store';
export { migrate, migrationSource } from './store/migrations';
export { FinopsEngine } from './engine';
export type { FinopsEngineOptions, IngestResult, EngineLogger } from './engine';
export {
  defaultPeriods,
  ingestPeriods,
  LATE_BILL_MONTHS,
  PeriodMismatchError,
} from './ingestion';
export {
  allocatePeriods,
  allocationOf,
  allocationRows,
  allocationsFromUsage,
  evenSplit,
} from './allocation';
export type { ClusterReader, AllocationOptions } from './allocation';
export { CostReports } from './reports';
export type { ReportOptions } from './reports';
export { readFinopsSettings, kubeConfigFrom } from './config';
export type { FinopsSettings } from './config';
export { finopsCli, finopsUsage, parseArgs, toCsv } from './cli';
export type { FinopsCliIO, FinopsCliDeps } from './cli';
export {
  openCliEngine,
  sqliteKnex,
  defaultDbPath,
  createFinopsEngine,
  loadAppConfig,
} from './open';
