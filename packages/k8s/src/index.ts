/**
 * The cluster platform as typed Kubernetes objects (kubernetes-models and its
 * Traefik, cert-manager and Prometheus operator packages), generated from the
 * catalog: namespaces with quotas, NetworkPolicies, Traefik routes and
 * middlewares, certificates, alert rules, the workloads of the catalog's
 * services and databases, and Alertmanager's configuration.
 * The command line (`yarn uyoop k8s`), infra/k8s and the scaffolder call the
 * same generators.
 */
import './esmOnly';

export { k8sCli, k8sUsage } from './cli';
export type { K8sCliOptions } from './cli';
export { clusterPlan, placements, PlanError } from './plan';
export type { ClusterPlan, ManagedNamespace, Workload } from './plan';
export {
  platformObjects,
  renderFiles,
  renderTo,
  K8S_DIR,
  RULES_FILE,
} from './render';
export type { KubeObject, RenderResult } from './render';
export { ruleGroups } from './rules';
export {
  NOT_RENDERED,
  OIDC_CLIENTS,
  RUNS_AS_ROOT,
  serviceObjects,
} from './services';
export { renamedNamespaces } from './copies';
export {
  checkDnsLabel,
  checkNewNamespace,
  checkNewService,
  devEscapes,
  GOLDEN_PATH_SIZING,
  serviceHost,
  serviceManifests,
  serviceNamespace,
  GoldenPathError,
  namespaceManifests,
  withNamespace,
} from './goldenPath';
export type { NewNamespace, NewService, ServiceKind } from './goldenPath';
export {
  deploy,
  deployCli,
  deployUsage,
  DeployError,
  formatDeploy,
  parseDiff,
  FIELD_MANAGER,
  RECORD_NAMESPACE,
  recordName,
  SET_LABEL,
} from './deploy';
export type { DeployOptions, DeployReport, ObjectChange } from './deploy';
export { collectManifests } from './manifests';
export type { Manifests } from './manifests';
export type { AlertRule, RuleGroup } from './rules';
export {
  alertmanagerConfig,
  discordWebhookUrl,
  writeAlertmanagerConfig,
} from './alertmanager';
export * from './profiles';
