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
export { ANNOTATION_PREFIX, storageTiers } from './annotations';
export type * from './model';
export { catalogCli, consoleIO, runCli, usage } from './cli';
export type { CliIO } from './cli';
export { demoWorkloads, POSTGRESQL_STAND_IN } from './workloads';
export type { KubeObject } from './workloads';
export {
  CommandError,
  alive,
  prefixedRunner,
  redact,
  startDaemon,
  stopDaemon,
  zxRunner,
} from './process';
export type {
  DaemonSpec,
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
