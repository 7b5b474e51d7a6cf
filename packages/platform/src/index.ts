/**
 * The typed loader of catalog/: the single inventory that the portal, the
 * zx scripts and the generators (Ansible inventory, WireGuard peers,
 * NetworkPolicies, cost allocation, backup policy) all read.
 */
export { loadPlatform, repoRoot } from './load';
export type { LoadOptions } from './load';
export { impactOf } from './build';
export { systemOf, systemsOf } from './systems';
export { CatalogError, formatProblem } from './errors';
export type { CatalogProblem } from './errors';
export {
  ANNOTATION_PREFIX,
  backupTiers,
  dataTiers,
  storageTiers,
} from './annotations';
export { BACKUP_SYSTEM, backupBuckets, s3LockMode } from './backupBuckets';
export type { BackupBuckets } from './backupBuckets';
export {
  applyBucketSettings,
  formatBucketResults,
  lifecycleRulesOf,
  planBucketSettings,
  readBucketSettings,
} from './bucketSettings';
export type {
  BucketChange,
  BucketPlan,
  BucketResult,
  BucketSettingsState,
  LifecycleRuleSpec,
} from './bucketSettings';
export { sqliteKnex } from './sqlite';
export type * from './model';
export { catalogCli, consoleIO, runCli, usage } from './cli';
export {
  UsageError,
  commandLineOrExit,
  isUsageError,
  parseCommandLine,
  usageFailure,
  countOptionOrExit,
} from './args';
export type { CliIO } from './cli';
export { demoWorkloads, nodePlacement, POSTGRESQL_STAND_IN } from './workloads';
export type { KubeObject } from './workloads';
export {
  CommandError,
  alive,
  prefixedRunner,
  redact,
  runSync,
  startDaemon,
  startService,
  stopDaemon,
  zxRunner,
} from './process';
export type {
  Command,
  DaemonSpec,
  Service,
  ServiceSpec,
  ProcessRunner,
  RunOptions,
  RunResult,
} from './process';
export { parseVersionsEnv, readVersions } from './versions';
export { validateAnnotations, validateEntity } from './validate';
export type { FieldProblem } from './validate';
export {
  referenceProblem,
  referencesOf,
  resolveReferences,
} from './references';
export type { EntityReference, ResolvedReference } from './references';
export { toEntityRef } from './refs';
export {
  INTERNET,
  allowedPairs,
  formatMatrix,
  policyInputs,
  reachabilityMatrix,
  selectorMatches,
} from './reachability';
export type {
  NamespaceInfo,
  NetworkPolicyObject,
  Protocol,
  ReachabilityMatrix,
  TrafficQuery,
} from './reachability';
export {
  checkCapacity,
  cpuMillis,
  formatCapacity,
  memoryMiB,
} from './capacity';
export type {
  CapacityOptions,
  CapacityReport,
  NodeCapacity,
  Placement,
} from './capacity';
