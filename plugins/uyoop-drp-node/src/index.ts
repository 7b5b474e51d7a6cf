/**
 * The DRP engine: Velero (tier 1), restic on the Object Lock bucket
 * (tier 2), the coverage preflight, the inventory with RPO per service,
 * restores, drills with measured RTO/RPO and their proof reports. The
 * backend plugin and `yarn drp` are thin callers of it.
 */
export { DrpEngine } from './engine';
export type { DrpEngineOptions, StartDrillInput } from './engine';
export { DrpStore } from './store';
export type { CheckRecord } from './store';
export { Cluster } from './kube';
export type { KubeObject } from './kube';
export { Velero, restoreResultRows, RESTORE_DONE } from './velero';
export type { RestoreProgress } from './velero';
export { Restic, resticRepositoryUrl } from './restic';
export { dumpableDatabases, dumpFile, dumpTags } from './dumps';
export type { DumpResult } from './dumps';
export { ToolRunner } from './tools';
export type { DrpTools } from './tools';
export { judgeBucket, objectRetention, readBucket } from './buckets';
export type { BucketState } from './buckets';
export { coverageFindings, rpoPerService } from './coverage';
export { verifyBackupContents } from './completeness';
export type { BackupVerification } from './completeness';
export {
  canonicalJson,
  comparableObject,
  objectsFingerprint,
  takeFingerprint,
} from './fingerprint';
export type { DataProbe } from './fingerprint';
export { recoverDrills, runDrill } from './drill';
export type { DrillDeps, DrillTarget } from './drill';
export { drillReportHtml, formatSeconds } from './report';
export {
  createDrpEngine,
  defaultDbPath,
  drpTools,
  openCliEngine,
  readDrpSettings,
  s3ClientFor,
} from './open';
export type { DrpSettings } from './open';
export * from './archive';
export { drpCli, drpUsage, parseProbe } from './cli';
export type { DrpCliDeps, DrpCliIO } from './cli';
