/**
 * The catalog's workloads as production objects: for each service and
 * database that runs in the cluster, its Deployment or StatefulSet on the
 * catalog's node (the node's taints tolerated), with the requests and limits
 * of `sizing` (the numbers the capacity check adds up), the Service on the
 * ports the NetworkPolicies open, its volumes, its non-secret configuration
 * in ConfigMaps, and Secrets referenced by name only: their values come from
 * SOPS at deploy time (infra/k8s/README.md lists every name and key).
 *
 * Images are the upstream ones, pinned by exact tag in infra/versions.env.
 * What runs in the cluster without being rendered here is in NOT_RENDERED,
 * with the reason.
 */
import type { ClusterPlan } from './plan';
import { ollama, perplexica, qdrant, sonarqube } from './workloads/aiLab';
import { ghost, nextcloud } from './workloads/business';
import { mysql, postgres, redis } from './workloads/databases';
import { gitlab, gitlabRunner } from './workloads/devopsFactory';
import { authelia } from './workloads/identity';
import type { Context, Model } from './workloads/kit';
import { alertmanager, grafana, prometheus } from './workloads/observability';

export { OIDC_CLIENTS } from './workloads/identity';
export { OLLAMA_MODELS } from './workloads/aiLab';
export { routeHost } from './workloads/kit';

/**
 * Catalog workloads that run in the cluster but are not rendered here, and
 * why. A test fails when a k3s workload is neither rendered nor listed.
 */
export const NOT_RENDERED: Record<string, string> = {
  traefik:
    'bundled with K3s, which installs and upgrades it (its HelmChart in kube-system); its routes and middlewares are rendered here',
  'cert-manager':
    'installed from its release manifest at CERT_MANAGER_VERSION (CRDs, webhook, RBAC); its issuers and certificates are rendered here',
  velero:
    'installed by `velero install` at VELERO_VERSION with its AWS plugin (VELERO_PLUGIN_AWS_VERSION)',
  'restic-jobs':
    'scheduled runs, not a standing workload; their CronJobs are not rendered yet',
  renovate:
    'a scheduled GitLab pipeline: its pods are CI jobs that the runners start in devops-factory on ai-lab',
  'uyoop-portal':
    "its image is built by this repository (`yarn backend-image build`) and there is no registry to pin it in yet (GitLab's registry is off)",
};

/**
 * Containers that run as root because the image cannot do otherwise, and
 * why. None is privileged; every other container runs as a fixed non-root user.
 */
export const RUNS_AS_ROOT: Record<string, string> = {
  gitlab:
    'the Omnibus image starts runit and reconfigures with Chef as root, then runs each service as its own user',
};

/** Each rendered workload's builder, by catalog name. */
const ownBuilders: Record<string, (c: Context) => Model[]> = {
  nextcloud,
  'nextcloud-db': c => postgres(c, '10Gi'),
  gitlab,
  'gitlab-runner': gitlabRunner,
  ghost,
  'ghost-db': c => mysql(c, '5Gi'),
  authelia,
  'authelia-redis': redis,
  grafana,
  prometheus,
  alertmanager,
  'portal-db': c => postgres(c, '5Gi'),
  sonarqube,
  'sonarqube-db': c => postgres(c, '5Gi'),
  ollama,
  qdrant,
  perplexica,
};

/**
 * The workloads of every catalog service and database that runs in the
 * cluster. Throws naming a workload that is neither built here nor listed in
 * NOT_RENDERED, so a new catalog service cannot be forgotten silently.
 */
export function serviceObjects(plan: ClusterPlan): Model[] {
  const builders = { ...ownBuilders, ...plan.profiles.builders };
  const inCluster = plan.workloads.filter(w => w.runtime !== 'compose');
  const unknown = inCluster.filter(
    w => !builders[w.name] && !NOT_RENDERED[w.name],
  );
  if (unknown.length > 0)
    throw new Error(
      `no workload generator for ${unknown
        .map(w => w.name)
        .join(
          ', ',
        )}: add one in packages/k8s/src/services.ts, or list it in NOT_RENDERED with the reason`,
    );
  return inCluster
    .filter(w => builders[w.name])
    .flatMap(w =>
      builders[w.name]({
        plan,
        platform: plan.platform,
        w,
        rendered: name => name in builders,
      }),
    );
}
