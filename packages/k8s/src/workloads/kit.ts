/**
 * What every workload generator builds with: the pinned images, labels,
 * security contexts, probes, claims, Services and the Deployment and
 * StatefulSet shapes, placed on the catalog's node.
 */
import {
  cpuMillis,
  memoryMiB,
  nodePlacement,
  parseVersionsEnv,
  Platform,
  repoRoot,
} from '@internal/platform';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import {
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  IContainer,
  IEnvVar,
  IPersistentVolumeClaim,
  IPodSecurityContext,
  IPodSpec,
  IProbe,
  IVolume,
  IVolumeMount,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANAGED_BY } from '../namespaces';
import type { ClusterPlan, Workload } from '../plan';
import { exposures, Sizing } from '../profiles';

/** Claims live on the node's NVMe: K3s's local-path StorageClass. */
export const STORAGE_CLASS = 'local-path';

/** The pod network of K3s: Traefik's requests come from there. */
export const POD_CIDR = '10.42.0.0/16';

/** The first public host of a service's route. */
export function routeHost(service: string): string {
  const e = exposures.find(x => x.service === service);
  if (!e)
    throw new Error(
      `${service}: no route in packages/k8s/src/profiles.ts (exposures)`,
    );
  return e.hosts[0];
}

let cachedVersions: Record<string, string> | undefined;
export function image(key: string): string {
  cachedVersions ??= parseVersionsEnv(
    readFileSync(join(repoRoot, 'infra', 'versions.env'), 'utf8'),
  );
  const ref = cachedVersions[key];
  if (!ref) throw new Error(`${key} is missing in infra/versions.env`);
  return ref;
}

export type Model =
  | Deployment
  | StatefulSet
  | Service
  | ConfigMap
  | PersistentVolumeClaim
  | ServiceAccount
  | Role
  | RoleBinding;

/** What every workload builder gets: the catalog view and its own entry. */
export interface Context {
  plan: ClusterPlan;
  platform: Platform;
  w: Workload;
  /** Whether a catalog workload is rendered here (Prometheus scrapes those). */
  rendered: (name: string) => boolean;
}

export const selectorLabels = (name: string) => ({
  'app.kubernetes.io/name': name,
  'backstage.io/kubernetes-id': name,
});

export const meta = (w: Workload, name = w.name) => ({
  name,
  namespace: w.namespace,
  labels: { ...MANAGED_BY, ...selectorLabels(w.name) },
});

export const secretEnv = (
  name: string,
  secret: string,
  key: string,
): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

export const env = (vars: Record<string, string>): IEnvVar[] =>
  Object.entries(vars).map(([name, value]) => ({ name, value }));

/** Runs as this user and group; the volumes are handed to the group. */
export const nonRootPod = (uid: number, gid = uid): IPodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: gid,
  fsGroup: gid,
  seccompProfile: { type: 'RuntimeDefault' },
});

/** No privilege escalation and no capabilities, for every non-root container. */
export const confined = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
};

/** A catalog size split between the main container and a small sidecar: the pod still sums to the catalog's. */
export function split(
  total: Sizing,
  sidecar: Sizing['requests'] & { limitCpu: string; limitMemory: string },
) {
  const minus = (a: string, b: string, unit: 'cpu' | 'mem') =>
    unit === 'cpu'
      ? `${cpuMillis(a) - cpuMillis(b)}m`
      : `${memoryMiB(a) - memoryMiB(b)}Mi`;
  return {
    main: {
      requests: {
        cpu: minus(total.requests.cpu, sidecar.cpu, 'cpu'),
        memory: minus(total.requests.memory, sidecar.memory, 'mem'),
      },
      limits: {
        cpu: minus(total.limits.cpu, sidecar.limitCpu, 'cpu'),
        memory: minus(total.limits.memory, sidecar.limitMemory, 'mem'),
      },
    },
    sidecar: {
      requests: { cpu: sidecar.cpu, memory: sidecar.memory },
      limits: { cpu: sidecar.limitCpu, memory: sidecar.limitMemory },
    },
  };
}

export const resourcesOf = (s: Sizing) => ({
  requests: { ...s.requests },
  limits: { ...s.limits },
});

export const tcpProbe = (port: number, periodSeconds = 10): IProbe => ({
  tcpSocket: { port },
  periodSeconds,
});

export const httpProbe = (
  path: string,
  port: number,
  periodSeconds = 10,
): IProbe => ({
  httpGet: { path, port },
  periodSeconds,
});

/** A generous start: the first boot of a database or of GitLab migrates for minutes. */
export const startup = (probe: IProbe, minutes: number): IProbe => ({
  ...probe,
  periodSeconds: 10,
  failureThreshold: minutes * 6,
});

export const claim = (
  name: string,
  storage: string,
): IPersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    storageClassName: STORAGE_CLASS,
    resources: { requests: { storage } },
  },
});

/** The Service in front of a workload, on the ports the NetworkPolicies open for it. */
export function serviceOf(
  w: Workload,
  ports: { name: string; port: number }[],
  headless = false,
) {
  const unique = ports.filter(
    (p, i) => ports.findIndex(q => q.port === p.port) === i,
  );
  return new Service({
    metadata: meta(w),
    spec: {
      ...(headless ? { clusterIP: 'None' } : {}),
      selector: selectorLabels(w.name),
      ports: unique.map(p => ({
        name: p.name,
        port: p.port,
        targetPort: p.port,
        protocol: 'TCP',
      })),
    },
  });
}

/** The sizing's ports, named: `http` (or `name`) and `metrics` when it is another port. */
export function servicePorts(w: Workload, name = 'http') {
  const ports: { name: string; port: number }[] = [];
  if (w.sizing.port) ports.push({ name, port: w.sizing.port });
  if (w.sizing.metricsPort && w.sizing.metricsPort !== w.sizing.port)
    ports.push({ name: 'metrics', port: w.sizing.metricsPort });
  return ports;
}

export function podTemplate(
  c: Context,
  spec: Omit<IPodSpec, 'containers'> & { containers: IContainer[] },
  annotations?: Record<string, string>,
) {
  return {
    metadata: { labels: selectorLabels(c.w.name), annotations },
    spec: {
      ...nodePlacementOf(c),
      enableServiceLinks: false,
      ...spec,
    },
  };
}

export function nodePlacementOf(c: Context) {
  try {
    return nodePlacement(c.platform, c.w.node);
  } catch (e) {
    throw new Error(`${c.w.name}: ${(e as Error).message}`);
  }
}

/** One replica that keeps its volume: the old pod stops before the new one starts. */
export function singleDeployment(
  c: Context,
  spec: Omit<IPodSpec, 'containers'> & { containers: IContainer[] },
  stateless = false,
) {
  return new Deployment({
    metadata: meta(c.w),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      strategy: stateless
        ? {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
          }
        : { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(c.w.name) },
      template: podTemplate(c, spec),
    },
  });
}

export function statefulSet(
  c: Context,
  spec: Omit<IPodSpec, 'containers'> & { containers: IContainer[] },
  claims: IPersistentVolumeClaim[],
  annotations?: Record<string, string>,
) {
  return new StatefulSet({
    metadata: meta(c.w),
    spec: {
      serviceName: c.w.name,
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(c.w.name) },
      template: podTemplate(c, spec, annotations),
      volumeClaimTemplates: claims,
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      },
    },
  });
}

export const configMap = (
  w: Workload,
  name: string,
  data: Record<string, string>,
) => new ConfigMap({ metadata: meta(w, name), data });

export const pvc = (w: Workload, name: string, storage: string) =>
  new PersistentVolumeClaim({
    metadata: meta(w, name),
    spec: claim(name, storage).spec,
  });

export const mount = (
  name: string,
  mountPath: string,
  readOnly = false,
): IVolumeMount => ({
  name,
  mountPath,
  ...(readOnly ? { readOnly } : {}),
});

export const claimVolume = (name: string, claimName: string): IVolume => ({
  name,
  persistentVolumeClaim: { claimName },
});

/** Secret `<db>-credentials`, key `password`: the database user's password, shared with its app. */
export const dbPassword = (db: string, name = 'POSTGRES_PASSWORD') =>
  secretEnv(name, `${db}-credentials`, 'password');

/** The database and user a PostgreSQL database holds: its name without `-db`. */
export const dbName = (db: string) => db.replace(/-db$/, '');

/** S3 endpoint of a catalog bucket, from its region (`uyoop.io/region`). */
export function s3Of(platform: Platform, bucket: string) {
  const b = platform.buckets.find(x => x.name === bucket);
  if (!b)
    throw new Error(
      `bucket ${bucket} is not in the catalog (catalog/storage.yaml)`,
    );
  const entity = platform.entities.find(
    e => e.entity.kind === 'Resource' && e.entity.metadata.name === bucket,
  );
  const region =
    entity?.entity.metadata.annotations?.['uyoop.io/region'] ?? 'gra';
  return { bucket: b.name, region, host: `s3.${region}.io.cloud.ovh.net` };
}

export const dependencyOrNull = (c: Context, name: string) =>
  c.plan.workloads.find(x => x.name === name);

export const dependency = (c: Context, name: string) => {
  const d = c.plan.workloads.find(x => x.name === name);
  if (!d)
    throw new Error(
      `${c.w.name}: depends on ${name}, which the plan does not hold`,
    );
  return d;
};

/** `<name>.<namespace>.svc.cluster.local`, for a catalog workload. */
export const serviceHost = (c: Context, name: string) =>
  `${name}.${dependency(c, name).namespace}.svc.cluster.local`;
