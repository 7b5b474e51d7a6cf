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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { parse, stringify } from 'yaml';
import { MANAGED_BY } from './namespaces';
import type { ClusterPlan, Workload } from './plan';
import { DOMAIN, exposures, Sizing } from './profiles';
import { ruleGroups } from './rules';

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

/** Volume sizes on the node's NVMe (K3s's local-path StorageClass). */
const STORAGE_CLASS = 'local-path';

/** The pod network of K3s: Traefik's requests come from there. */
const POD_CIDR = '10.42.0.0/16';

/** The LLMs Ollama serves: quantised Q4_K_M builds, for CPU inference (AVX2). */
export const OLLAMA_MODELS = [
  'mistral:7b-instruct-q4_K_M',
  'llama3:8b-instruct-q4_K_M',
];

/** The applications that sign in through Authelia's OpenID Connect provider. */
export const OIDC_CLIENTS: {
  id: string;
  service: string;
  /** Path of the redirect URI on the service's route host. */
  callback: string;
  name: string;
  /** How the application sends its secret to the token endpoint. */
  auth?: 'client_secret_post';
  /** The application sends a PKCE challenge (S256), so Authelia can demand one. */
  pkce?: boolean;
}[] = [
  {
    id: 'portal',
    service: 'uyoop-portal',
    callback: '/api/auth/oidc/handler/frame',
    name: 'uyoop portal',
  },
  {
    id: 'nextcloud',
    service: 'nextcloud',
    callback: '/apps/user_oidc/code',
    name: 'Nextcloud',
    auth: 'client_secret_post',
  },
  {
    id: 'gitlab',
    service: 'gitlab',
    callback: '/users/auth/openid_connect/callback',
    name: 'GitLab',
    pkce: true,
  },
  // Ghost has no OpenID Connect sign-in of its own: /ghost sits behind
  // forwardAuth. The client is registered for an OIDC-aware front of its
  // admin area and for the members' sign-in once Ghost offers one.
  {
    id: 'ghost',
    service: 'ghost',
    callback: '/ghost/oidc/callback',
    name: 'Ghost',
  },
  {
    id: 'grafana',
    service: 'grafana',
    callback: '/login/generic_oauth',
    name: 'Grafana',
    pkce: true,
  },
];

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
function image(key: string): string {
  cachedVersions ??= parseVersionsEnv(
    readFileSync(join(repoRoot, 'infra', 'versions.env'), 'utf8'),
  );
  const ref = cachedVersions[key];
  if (!ref) throw new Error(`${key} is missing in infra/versions.env`);
  return ref;
}

type Model =
  | Deployment
  | StatefulSet
  | Service
  | ConfigMap
  | PersistentVolumeClaim
  | ServiceAccount
  | Role
  | RoleBinding;

/** What every workload builder gets: the catalog view and its own entry. */
interface Context {
  plan: ClusterPlan;
  platform: Platform;
  w: Workload;
}

const selectorLabels = (name: string) => ({
  'app.kubernetes.io/name': name,
  'backstage.io/kubernetes-id': name,
});

const meta = (w: Workload, name = w.name) => ({
  name,
  namespace: w.namespace,
  labels: { ...MANAGED_BY, ...selectorLabels(w.name) },
});

const secretEnv = (name: string, secret: string, key: string): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

const env = (vars: Record<string, string>): IEnvVar[] =>
  Object.entries(vars).map(([name, value]) => ({ name, value }));

/** Runs as this user and group; the volumes are handed to the group. */
const nonRootPod = (uid: number, gid = uid): IPodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: gid,
  fsGroup: gid,
  seccompProfile: { type: 'RuntimeDefault' },
});

/** No privilege escalation and no capabilities, for every non-root container. */
const confined = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
};

/** A catalog size split between the main container and a small sidecar: the pod still sums to the catalog's. */
function split(
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

const resourcesOf = (s: Sizing) => ({
  requests: { ...s.requests },
  limits: { ...s.limits },
});

const tcpProbe = (port: number, periodSeconds = 10): IProbe => ({
  tcpSocket: { port },
  periodSeconds,
});

const httpProbe = (path: string, port: number, periodSeconds = 10): IProbe => ({
  httpGet: { path, port },
  periodSeconds,
});

/** A generous start: the first boot of a database or of GitLab migrates for minutes. */
const startup = (probe: IProbe, minutes: number): IProbe => ({
  ...probe,
  periodSeconds: 10,
  failureThreshold: minutes * 6,
});

const claim = (name: string, storage: string): IPersistentVolumeClaim => ({
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
function serviceOf(
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
function servicePorts(w: Workload, name = 'http') {
  const ports: { name: string; port: number }[] = [];
  if (w.sizing.port) ports.push({ name, port: w.sizing.port });
  if (w.sizing.metricsPort && w.sizing.metricsPort !== w.sizing.port)
    ports.push({ name: 'metrics', port: w.sizing.metricsPort });
  return ports;
}

function podTemplate(
  c: Context,
  spec: Omit<IPodSpec, 'containers'> & { containers: IContainer[] },
) {
  return {
    metadata: { labels: selectorLabels(c.w.name) },
    spec: {
      ...nodePlacementOf(c),
      enableServiceLinks: false,
      ...spec,
    },
  };
}

function nodePlacementOf(c: Context) {
  try {
    return nodePlacement(c.platform, c.w.node);
  } catch (e) {
    throw new Error(`${c.w.name}: ${(e as Error).message}`);
  }
}

/** One replica that keeps its volume: the old pod stops before the new one starts. */
function singleDeployment(
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

function statefulSet(
  c: Context,
  spec: Omit<IPodSpec, 'containers'> & { containers: IContainer[] },
  claims: IPersistentVolumeClaim[],
) {
  return new StatefulSet({
    metadata: meta(c.w),
    spec: {
      serviceName: c.w.name,
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(c.w.name) },
      template: podTemplate(c, spec),
      volumeClaimTemplates: claims,
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      },
    },
  });
}

const configMap = (w: Workload, name: string, data: Record<string, string>) =>
  new ConfigMap({ metadata: meta(w, name), data });

const pvc = (w: Workload, name: string, storage: string) =>
  new PersistentVolumeClaim({
    metadata: meta(w, name),
    spec: claim(name, storage).spec,
  });

const mount = (
  name: string,
  mountPath: string,
  readOnly = false,
): IVolumeMount => ({
  name,
  mountPath,
  ...(readOnly ? { readOnly } : {}),
});

const claimVolume = (name: string, claimName: string): IVolume => ({
  name,
  persistentVolumeClaim: { claimName },
});

// --- Databases -------------------------------------------------------------

/** Secret `<db>-credentials`, key `password`: the database user's password, shared with its app. */
const dbPassword = (db: string, name = 'POSTGRES_PASSWORD') =>
  secretEnv(name, `${db}-credentials`, 'password');

/** The database and user a PostgreSQL database holds: its name without `-db`. */
export const dbName = (db: string) => db.replace(/-db$/, '');

function postgres(c: Context, storage: string): Model[] {
  const { w } = c;
  const data = '/var/lib/postgresql/data';
  return [
    serviceOf(w, [{ name: 'postgres', port: w.sizing.port ?? 5432 }], true),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(999),
        containers: [
          {
            name: 'postgres',
            image: image('POSTGRESQL_IMAGE'),
            env: [
              ...env({
                POSTGRES_DB: dbName(w.name),
                POSTGRES_USER: dbName(w.name),
                // A folder below the mount: initdb wants an empty, private one.
                PGDATA: `${data}/pgdata`,
              }),
              dbPassword(w.name),
            ],
            ports: [{ name: 'postgres', containerPort: 5432 }],
            readinessProbe: {
              exec: {
                command: [
                  'pg_isready',
                  '-h',
                  '127.0.0.1',
                  '-U',
                  dbName(w.name),
                ],
              },
              periodSeconds: 10,
            },
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              mount('data', data),
              mount('run', '/var/run/postgresql'),
            ],
          },
        ],
        volumes: [{ name: 'run', emptyDir: {} }],
      },
      [claim('data', storage)],
    ),
  ];
}

function mysql(c: Context, storage: string): Model[] {
  const { w } = c;
  return [
    serviceOf(w, [{ name: 'mysql', port: w.sizing.port ?? 3306 }], true),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(999),
        containers: [
          {
            name: 'mysql',
            image: image('MYSQL_IMAGE'),
            env: [
              ...env({
                MYSQL_DATABASE: dbName(w.name),
                MYSQL_USER: dbName(w.name),
              }),
              dbPassword(w.name, 'MYSQL_PASSWORD'),
              secretEnv(
                'MYSQL_ROOT_PASSWORD',
                `${w.name}-credentials`,
                'root-password',
              ),
            ],
            ports: [{ name: 'mysql', containerPort: 3306 }],
            readinessProbe: tcpProbe(3306),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              mount('data', '/var/lib/mysql'),
              mount('run', '/var/run/mysqld'),
            ],
          },
        ],
        volumes: [{ name: 'run', emptyDir: {} }],
      },
      [claim('data', storage)],
    ),
  ];
}

function redis(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, [{ name: 'redis', port: w.sizing.port ?? 6379 }]),
    singleDeployment(
      c,
      {
        securityContext: nonRootPod(999),
        containers: [
          {
            name: 'redis',
            image: image('REDIS_IMAGE'),
            // Sessions only: kept in memory, never written to disk.
            args: [
              '--save',
              '',
              '--appendonly',
              'no',
              '--maxmemory-policy',
              'volatile-lru',
              '--requirepass',
              '$(REDIS_PASSWORD)',
            ],
            env: [secretEnv('REDIS_PASSWORD', w.name, 'password')],
            ports: [{ name: 'redis', containerPort: 6379 }],
            readinessProbe: tcpProbe(6379),
            resources: resourcesOf(w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            volumeMounts: [mount('data', '/data')],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
      true,
    ),
  ];
}

// --- Services --------------------------------------------------------------

/** S3 endpoint of a catalog bucket, from its region (`uyoop.io/region`). */
function s3Of(platform: Platform, bucket: string) {
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

const dependencyOrNull = (c: Context, name: string) =>
  c.plan.workloads.find(x => x.name === name);

const dependency = (c: Context, name: string) => {
  const d = c.plan.workloads.find(x => x.name === name);
  if (!d)
    throw new Error(
      `${c.w.name}: depends on ${name}, which the plan does not hold`,
    );
  return d;
};

/** `<name>.<namespace>.svc.cluster.local`, for a catalog workload. */
const serviceHost = (c: Context, name: string) =>
  `${name}.${dependency(c, name).namespace}.svc.cluster.local`;

function nextcloud(c: Context): Model[] {
  const { w } = c;
  const s3 = s3Of(c.platform, 'nextcloud-data');
  const db = 'nextcloud-db';
  const host = routeHost('nextcloud');
  const sizes = split(w.sizing, {
    cpu: '20m',
    memory: '32Mi',
    limitCpu: '100m',
    limitMemory: '64Mi',
  });
  const html = '/var/www/html';
  return [
    serviceOf(w, servicePorts(w)),
    pvc(w, 'nextcloud-html', '20Gi'),
    singleDeployment(c, {
      // Apache binds port 80 as www-data.
      securityContext: {
        ...nonRootPod(33),
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
      },
      containers: [
        {
          name: 'nextcloud',
          image: image('NEXTCLOUD_IMAGE'),
          env: [
            ...env({
              POSTGRES_HOST: serviceHost(c, db),
              POSTGRES_DB: dbName(db),
              POSTGRES_USER: dbName(db),
              NEXTCLOUD_TRUSTED_DOMAINS: host,
              OVERWRITEHOST: host,
              OVERWRITEPROTOCOL: 'https',
              OVERWRITECLIURL: `https://${host}`,
              TRUSTED_PROXIES: POD_CIDR,
              APACHE_DISABLE_REWRITE_IP: '1',
              PHP_MEMORY_LIMIT: '512M',
              PHP_UPLOAD_LIMIT: '10G',
              // Primary storage: every file on S3, the NVMe keeps the code, config and cache.
              OBJECTSTORE_S3_BUCKET: s3.bucket,
              OBJECTSTORE_S3_HOST: s3.host,
              OBJECTSTORE_S3_REGION: s3.region,
              OBJECTSTORE_S3_PORT: '443',
              OBJECTSTORE_S3_SSL: 'true',
              OBJECTSTORE_S3_USEPATH_STYLE: 'true',
              OBJECTSTORE_S3_AUTOCREATE: 'false',
              NEXTCLOUD_ADMIN_USER: 'admin',
            }),
            dbPassword(db),
            secretEnv('OBJECTSTORE_S3_KEY', 'nextcloud-s3', 'access-key-id'),
            secretEnv(
              'OBJECTSTORE_S3_SECRET',
              'nextcloud-s3',
              'secret-access-key',
            ),
            secretEnv(
              'NEXTCLOUD_ADMIN_PASSWORD',
              'nextcloud',
              'admin-password',
            ),
          ],
          ports: [{ name: 'http', containerPort: 80 }],
          startupProbe: startup(tcpProbe(80), 10),
          readinessProbe: {
            httpGet: {
              path: '/status.php',
              port: 80,
              httpHeaders: [{ name: 'Host', value: host }],
            },
            periodSeconds: 15,
            timeoutSeconds: 5,
          },
          resources: sizes.main,
          securityContext: confined,
          volumeMounts: [mount('html', html)],
        },
        {
          name: 'exporter',
          image: image('NEXTCLOUD_EXPORTER_IMAGE'),
          env: [
            ...env({
              NEXTCLOUD_SERVER: 'http://localhost',
              NEXTCLOUD_LISTEN_ADDRESS: `:${w.sizing.metricsPort}`,
              NEXTCLOUD_TIMEOUT: '10s',
            }),
            secretEnv('NEXTCLOUD_AUTH_TOKEN', 'nextcloud', 'serverinfo-token'),
          ],
          ports: [{ name: 'metrics', containerPort: w.sizing.metricsPort! }],
          readinessProbe: tcpProbe(w.sizing.metricsPort!),
          resources: sizes.sidecar,
          securityContext: {
            ...confined,
            runAsUser: 65534,
            runAsGroup: 65534,
            readOnlyRootFilesystem: true,
          },
        },
      ],
      volumes: [claimVolume('html', 'nextcloud-html')],
    }),
  ];
}

/** GITLAB_OMNIBUS_CONFIG: Ruby lines of gitlab.rb; secrets are read from the environment. */
function omnibusConfig(c: Context): string {
  const s3 = s3Of(c.platform, 'ci-artifacts');
  const issuer = `https://${routeHost('authelia')}`;
  const lines = [
    `external_url 'https://${routeHost('gitlab')}'`,
    // TLS ends at Traefik; the container serves plain HTTP on 80.
    "nginx['listen_port'] = 80",
    "nginx['listen_https'] = false",
    `nginx['real_ip_trusted_addresses'] = ['${POD_CIDR}']`,
    "nginx['real_ip_header'] = 'X-Forwarded-For'",
    "letsencrypt['enable'] = false",
    // No container registry: the catalog declares none.
    "registry['enable'] = false",
    "gitlab_rails['registry_enabled'] = false",
    // The bundled PostgreSQL (catalog: gitlab-db) on the data volume, on NVMe.
    "postgresql['shared_buffers'] = '256MB'",
    "puma['worker_processes'] = 2",
    "sidekiq['concurrency'] = 10",
    // Prometheus runs in monitoring: the bundled one and its exporters stay off, except GitLab's own.
    "prometheus_monitoring['enable'] = false",
    "gitlab_exporter['enable'] = true",
    `gitlab_exporter['listen_address'] = '0.0.0.0'`,
    `gitlab_exporter['listen_port'] = '${c.w.sizing.metricsPort}'`,
    `gitlab_rails['monitoring_whitelist'] = ['127.0.0.0/8', '${POD_CIDR}']`,
    // CI artifacts on S3 (catalog: ci-artifacts), the rest on the data volume.
    "gitlab_rails['object_store']['enabled'] = true",
    "gitlab_rails['object_store']['proxy_download'] = false",
    `gitlab_rails['object_store']['connection'] = { 'provider' => 'AWS', 'region' => '${s3.region}', 'endpoint' => 'https://${s3.host}', 'path_style' => true, 'aws_access_key_id' => ENV['S3_ACCESS_KEY_ID'], 'aws_secret_access_key' => ENV['S3_SECRET_ACCESS_KEY'] }`,
    `gitlab_rails['object_store']['objects']['artifacts']['bucket'] = '${s3.bucket}'`,
    ...[
      'external_diffs',
      'lfs',
      'uploads',
      'packages',
      'dependency_proxy',
      'terraform_state',
      'ci_secure_files',
      'pages',
    ].map(
      o => `gitlab_rails['object_store']['objects']['${o}']['enabled'] = false`,
    ),
    // Sign-in through Authelia (OpenID Connect).
    "gitlab_rails['omniauth_allow_single_sign_on'] = ['openid_connect']",
    "gitlab_rails['omniauth_block_auto_created_users'] = false",
    "gitlab_rails['omniauth_auto_link_user'] = ['openid_connect']",
    `gitlab_rails['omniauth_providers'] = [{ 'name' => 'openid_connect', 'label' => 'uyoop SSO', 'args' => { 'name' => 'openid_connect', 'scope' => ['openid', 'profile', 'email', 'groups'], 'response_type' => 'code', 'issuer' => '${issuer}', 'discovery' => true, 'client_auth_method' => 'basic', 'uid_field' => 'preferred_username', 'pkce' => true, 'client_options' => { 'identifier' => 'gitlab', 'secret' => ENV['OIDC_CLIENT_SECRET'], 'redirect_uri' => 'https://${routeHost(
      'gitlab',
    )}/users/auth/openid_connect/callback' } } }]`,
    // Mail needs the node's SMTP port, which devops-factory's policies do not open.
    "gitlab_rails['gitlab_email_enabled'] = false",
  ];
  return lines.join('\n');
}

function gitlab(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'gitlab-omnibus', { 'gitlab.rb': omnibusConfig(c) }),
    statefulSet(
      c,
      {
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'gitlab',
            image: image('GITLAB_IMAGE'),
            env: [
              {
                name: 'GITLAB_OMNIBUS_CONFIG',
                valueFrom: {
                  configMapKeyRef: { name: 'gitlab-omnibus', key: 'gitlab.rb' },
                },
              },
              secretEnv('GITLAB_ROOT_PASSWORD', 'gitlab', 'root-password'),
              secretEnv('S3_ACCESS_KEY_ID', 'gitlab-s3', 'access-key-id'),
              secretEnv(
                'S3_SECRET_ACCESS_KEY',
                'gitlab-s3',
                'secret-access-key',
              ),
              secretEnv('OIDC_CLIENT_SECRET', 'gitlab', 'oidc-client-secret'),
            ],
            ports: [
              { name: 'http', containerPort: 80 },
              { name: 'metrics', containerPort: w.sizing.metricsPort! },
            ],
            startupProbe: startup(httpProbe('/-/readiness', 80), 15),
            readinessProbe: httpProbe('/-/readiness', 80, 15),
            livenessProbe: {
              ...httpProbe('/-/liveness', 80, 30),
              failureThreshold: 5,
            },
            resources: resourcesOf(w.sizing),
            securityContext: { privileged: false },
            volumeMounts: [
              mount('config', '/etc/gitlab'),
              mount('logs', '/var/log/gitlab'),
              mount('data', '/var/opt/gitlab'),
              mount('shm', '/dev/shm'),
            ],
          },
        ],
        volumes: [
          { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
        ],
      },
      [claim('config', '1Gi'), claim('logs', '5Gi'), claim('data', '50Gi')],
    ),
  ];
}

/** The runner's config.toml, completed at registration with its token. */
function runnerConfig(c: Context): string {
  const node = c.platform.nodes.find(n => n.name === c.w.node)!;
  const toml = [
    '[[runners]]',
    '  [runners.kubernetes]',
    `    namespace = "${c.w.namespace}"`,
    '    service_account = "gitlab-runner-jobs"',
    '    poll_timeout = 600',
    '    cpu_request = "100m"',
    '    memory_request = "256Mi"',
    '    cpu_limit = "1"',
    '    memory_limit = "1Gi"',
    '    [runners.kubernetes.node_selector]',
    `      "kubernetes.io/hostname" = "${node.name}"`,
    ...(node.taints.length
      ? [
          '    [runners.kubernetes.node_tolerations]',
          ...node.taints.map(
            t => `      "${t.key}=${t.value}" = "${t.effect}"`,
          ),
        ]
      : []),
    '    [runners.kubernetes.pod_security_context]',
    '      run_as_non_root = true',
    '      run_as_user = 1000',
    '      run_as_group = 1000',
    '',
  ];
  return toml.join('\n');
}

function gitlabRunner(c: Context): Model[] {
  const { w } = c;
  const config = '/home/gitlab-runner/.gitlab-runner';
  const runner = {
    image: image('GITLAB_RUNNER_IMAGE'),
    resources: resourcesOf(w.sizing),
    securityContext: confined,
  };
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'gitlab-runner', { 'config.template.toml': runnerConfig(c) }),
    new ServiceAccount({ metadata: meta(w, 'gitlab-runner') }),
    new ServiceAccount({ metadata: meta(w, 'gitlab-runner-jobs') }),
    // The Kubernetes executor starts each job as a pod in this namespace.
    new Role({
      metadata: meta(w, 'gitlab-runner'),
      rules: [
        {
          apiGroups: [''],
          resources: [
            'pods',
            'pods/exec',
            'pods/attach',
            'pods/log',
            'secrets',
            'configmaps',
            'services',
          ],
          verbs: [
            'get',
            'list',
            'watch',
            'create',
            'update',
            'patch',
            'delete',
          ],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
      ],
    }),
    new RoleBinding({
      metadata: meta(w, 'gitlab-runner'),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'gitlab-runner',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'gitlab-runner',
          namespace: w.namespace,
        },
      ],
    }),
    singleDeployment(
      c,
      {
        serviceAccountName: 'gitlab-runner',
        securityContext: nonRootPod(100, 65533),
        initContainers: [
          {
            name: 'register',
            ...runner,
            command: ['gitlab-runner'],
            args: [
              'register',
              '--non-interactive',
              '--config',
              `${config}/config.toml`,
              '--template-config',
              '/template/config.template.toml',
              '--executor',
              'kubernetes',
              '--name',
              w.node,
            ],
            env: [
              // Over the namespace's own network: GitLab's Service in devops-factory.
              ...env({ CI_SERVER_URL: `http://${serviceHost(c, 'gitlab')}` }),
              secretEnv('CI_SERVER_TOKEN', 'gitlab-runner', 'runner-token'),
            ],
            volumeMounts: [
              mount('config', config),
              mount('template', '/template', true),
            ],
          },
        ],
        containers: [
          {
            name: 'gitlab-runner',
            ...runner,
            command: ['gitlab-runner'],
            args: [
              'run',
              '--config',
              `${config}/config.toml`,
              '--working-directory',
              '/home/gitlab-runner',
              '--listen-address',
              `:${w.sizing.metricsPort}`,
            ],
            ports: [{ name: 'metrics', containerPort: w.sizing.metricsPort! }],
            readinessProbe: tcpProbe(w.sizing.metricsPort!),
            volumeMounts: [
              mount('config', config),
              mount('home', '/home/gitlab-runner/builds'),
            ],
          },
        ],
        volumes: [
          { name: 'config', emptyDir: {} },
          { name: 'home', emptyDir: {} },
          { name: 'template', configMap: { name: 'gitlab-runner' } },
        ],
      },
      true,
    ),
  ];
}

function ghost(c: Context): Model[] {
  const { w } = c;
  const db = 'ghost-db';
  return [
    serviceOf(w, servicePorts(w)),
    pvc(w, 'ghost-content', '5Gi'),
    singleDeployment(c, {
      securityContext: nonRootPod(1000),
      containers: [
        {
          name: 'ghost',
          image: image('GHOST_IMAGE'),
          env: [
            ...env({
              url: `https://${routeHost('ghost')}`,
              NODE_ENV: 'production',
              database__client: 'mysql',
              database__connection__host: serviceHost(c, db),
              database__connection__port: '3306',
              database__connection__user: dbName(db),
              database__connection__database: dbName(db),
              // No mail settings: the node's SMTP port is not open to prod-web.
              privacy__useUpdateCheck: 'false',
              privacy__useGravatar: 'false',
            }),
            dbPassword(db, 'database__connection__password'),
          ],
          ports: [{ name: 'http', containerPort: w.sizing.port! }],
          startupProbe: startup(tcpProbe(w.sizing.port!), 5),
          readinessProbe: {
            httpGet: {
              path: '/ghost/api/admin/site/',
              port: w.sizing.port!,
              httpHeaders: [{ name: 'X-Forwarded-Proto', value: 'https' }],
            },
            periodSeconds: 15,
          },
          resources: resourcesOf(w.sizing),
          securityContext: confined,
          volumeMounts: [mount('content', '/var/lib/ghost/content')],
        },
      ],
      volumes: [claimVolume('content', 'ghost-content')],
    }),
  ];
}

/** Authelia's configuration: secrets are files of the mounted Secrets, read through its template filter. */
function autheliaConfig(c: Context) {
  const secret = (file: string) => `{{ secret "/secrets/${file}" }}`;
  const mailcow = c.plan.workloads.find(x => x.name === 'mailcow');
  const smtpNode = c.platform.nodes.find(
    n => n.name === (mailcow?.node ?? c.w.node),
  )!;
  const domain = DOMAIN;
  return {
    theme: 'auto',
    server: { address: `tcp://0.0.0.0:${c.w.sizing.port}/` },
    log: { level: 'info', format: 'json' },
    telemetry: {
      metrics: {
        enabled: true,
        address: `tcp://0.0.0.0:${c.w.sizing.metricsPort}/metrics`,
      },
    },
    totp: { issuer: domain, algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
    webauthn: { disable: false, display_name: 'uyoop' },
    // Users and their password hashes: a file of the Secret authelia-users (no LDAP server:
    // Mailcow only reads one). Changes go through SOPS, not the UI.
    authentication_backend: {
      password_reset: { disable: true },
      file: {
        path: '/users/users_database.yml',
        watch: true,
        password: { algorithm: 'argon2' },
      },
    },
    access_control: {
      default_policy: 'deny',
      rules: [
        { domain: [`auth.${domain}`], policy: 'bypass' },
        // Dashboards for admins and finance (FinOps), alerts for admins; the first matching rule applies.
        {
          domain: [`grafana.${domain}`],
          subject: [['group:admins'], ['group:finance']],
          policy: 'two_factor',
        },
        {
          domain: [`alerts.${domain}`],
          subject: ['group:admins'],
          policy: 'two_factor',
        },
        { domain: [`grafana.${domain}`, `alerts.${domain}`], policy: 'deny' },
        { domain: [domain, `*.${domain}`], policy: 'two_factor' },
      ],
    },
    session: {
      name: 'uyoop_session',
      expiration: '1h',
      inactivity: '15m',
      remember_me: '1M',
      cookies: [
        {
          domain,
          authelia_url: `https://${routeHost('authelia')}`,
          default_redirection_url: `https://${routeHost('uyoop-portal')}`,
        },
      ],
      redis: {
        host: serviceHost(c, 'authelia-redis'),
        port: dependency(c, 'authelia-redis').sizing.port ?? 6379,
      },
    },
    regulation: { max_retries: 3, find_time: '2m', ban_time: '10m' },
    // TOTP secrets, WebAuthn devices and consents: SQLite on the pod's volume, encrypted.
    storage: { local: { path: '/data/db.sqlite3' } },
    notifier: {
      disable_startup_check: true,
      smtp: {
        address: `submission://${smtpNode.meshAddress}:587`,
        sender: `uyoop SSO <sso@${domain}>`,
        username: `sso@${domain}`,
        tls: { server_name: smtpNode.publicHost },
      },
    },
    identity_providers: {
      oidc: {
        // The signing key (jwks) is in the second configuration file, /secrets/oidc-jwks.yml.
        cors: {
          endpoints: [
            'authorization',
            'token',
            'revocation',
            'introspection',
            'userinfo',
          ],
        },
        clients: OIDC_CLIENTS.map(client => ({
          client_id: client.id,
          client_name: client.name,
          // A PBKDF2 digest, not the secret: the application holds the secret itself.
          client_secret: secret(`oidc-client-${client.id}.digest`),
          public: false,
          authorization_policy: 'two_factor',
          require_pkce: client.pkce === true,
          ...(client.pkce ? { pkce_challenge_method: 'S256' } : {}),
          redirect_uris: [
            `https://${routeHost(client.service)}${client.callback}`,
          ],
          scopes: ['openid', 'profile', 'email', 'groups'],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          userinfo_signed_response_alg: 'none',
          token_endpoint_auth_method: client.auth ?? 'client_secret_basic',
        })),
      },
    },
  };
}

/** The files of the Secret `authelia`, each mounted under /secrets. */
const AUTHELIA_SECRET_KEYS = [
  'jwt-secret',
  'session-secret',
  'storage-encryption-key',
  'smtp-password',
  'oidc-hmac-secret',
  'oidc-jwks.yml',
  ...OIDC_CLIENTS.map(c => `oidc-client-${c.id}.digest`),
];

function authelia(c: Context): Model[] {
  const { w } = c;
  const fileEnv = (name: string, file: string): IEnvVar => ({
    name,
    value: `/secrets/${file}`,
  });
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'authelia', {
      // Single quotes keep the template filter's double quotes intact.
      'configuration.yml': stringify(autheliaConfig(c), {
        lineWidth: 0,
        singleQuote: true,
      }),
    }),
    pvc(w, 'authelia-data', '1Gi'),
    singleDeployment(c, {
      securityContext: nonRootPod(8000),
      containers: [
        {
          name: 'authelia',
          image: image('AUTHELIA_IMAGE'),
          command: ['authelia'],
          args: [
            '--config',
            '/config/configuration.yml',
            '--config',
            '/secrets/oidc-jwks.yml',
          ],
          env: [
            ...env({
              X_AUTHELIA_CONFIG_FILTERS: 'template',
              TZ: 'Europe/Paris',
            }),
            fileEnv(
              'AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE',
              'jwt-secret',
            ),
            fileEnv('AUTHELIA_SESSION_SECRET_FILE', 'session-secret'),
            fileEnv('AUTHELIA_SESSION_REDIS_PASSWORD_FILE', 'redis-password'),
            fileEnv(
              'AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE',
              'storage-encryption-key',
            ),
            fileEnv('AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE', 'smtp-password'),
            fileEnv(
              'AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET_FILE',
              'oidc-hmac-secret',
            ),
          ],
          ports: [
            { name: 'http', containerPort: w.sizing.port! },
            { name: 'metrics', containerPort: w.sizing.metricsPort! },
          ],
          readinessProbe: httpProbe('/api/health', w.sizing.port!),
          resources: resourcesOf(w.sizing),
          securityContext: { ...confined, readOnlyRootFilesystem: true },
          volumeMounts: [
            mount('config', '/config', true),
            mount('secrets', '/secrets', true),
            mount('users', '/users', true),
            mount('data', '/data'),
            mount('tmp', '/tmp'),
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'authelia' } },
        {
          name: 'secrets',
          projected: {
            defaultMode: 0o400,
            sources: [
              {
                secret: {
                  name: 'authelia',
                  items: AUTHELIA_SECRET_KEYS.map(key => ({ key, path: key })),
                },
              },
              // The session store's own password, from the Secret Redis reads.
              {
                secret: {
                  name: 'authelia-redis',
                  items: [{ key: 'password', path: 'redis-password' }],
                },
              },
            ],
          },
        },
        {
          name: 'users',
          secret: {
            secretName: 'authelia-users',
            defaultMode: 0o400,
            items: [{ key: 'users_database.yml', path: 'users_database.yml' }],
          },
        },
        claimVolume('data', 'authelia-data'),
        { name: 'tmp', emptyDir: {} },
      ],
    }),
  ];
}

function grafana(c: Context): Model[] {
  const { w } = c;
  const host = routeHost('grafana');
  const issuer = `https://${routeHost('authelia')}`;
  const prometheus = c.plan.workloads.find(x => x.name === 'prometheus');
  return [
    serviceOf(w, servicePorts(w)),
    pvc(w, 'grafana-data', '2Gi'),
    configMap(w, 'grafana-datasources', {
      'prometheus.yaml': stringify({
        apiVersion: 1,
        datasources: [
          {
            name: 'Prometheus',
            type: 'prometheus',
            access: 'proxy',
            isDefault: true,
            url: `http://prometheus.${
              prometheus?.namespace ?? w.namespace
            }.svc.cluster.local:${prometheus?.sizing.port ?? 9090}`,
          },
        ],
      }),
    }),
    singleDeployment(c, {
      securityContext: nonRootPod(472),
      containers: [
        {
          name: 'grafana',
          image: image('GRAFANA_IMAGE'),
          env: [
            ...env({
              GF_SERVER_ROOT_URL: `https://${host}`,
              GF_SERVER_HTTP_PORT: String(w.sizing.port),
              GF_ANALYTICS_REPORTING_ENABLED: 'false',
              GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
              GF_AUTH_DISABLE_LOGIN_FORM: 'true',
              GF_AUTH_GENERIC_OAUTH_ENABLED: 'true',
              GF_AUTH_GENERIC_OAUTH_NAME: 'uyoop SSO',
              GF_AUTH_GENERIC_OAUTH_CLIENT_ID: 'grafana',
              GF_AUTH_GENERIC_OAUTH_SCOPES: 'openid profile email groups',
              GF_AUTH_GENERIC_OAUTH_AUTH_URL: `${issuer}/api/oidc/authorization`,
              GF_AUTH_GENERIC_OAUTH_TOKEN_URL: `${issuer}/api/oidc/token`,
              GF_AUTH_GENERIC_OAUTH_API_URL: `${issuer}/api/oidc/userinfo`,
              GF_AUTH_GENERIC_OAUTH_USE_PKCE: 'true',
              GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH: 'preferred_username',
              GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH: 'groups',
              GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH:
                "contains(groups[*], 'admins') && 'Admin' || contains(groups[*], 'finance') && 'Editor' || 'Viewer'",
              GF_AUTH_SIGNOUT_REDIRECT_URL: `${issuer}/logout`,
            }),
            secretEnv(
              'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET',
              'grafana',
              'oidc-client-secret',
            ),
            secretEnv(
              'GF_SECURITY_ADMIN_PASSWORD',
              'grafana',
              'admin-password',
            ),
          ],
          ports: [{ name: 'http', containerPort: w.sizing.port! }],
          readinessProbe: httpProbe('/api/health', w.sizing.port!),
          resources: resourcesOf(w.sizing),
          securityContext: confined,
          volumeMounts: [
            mount('data', '/var/lib/grafana'),
            mount('datasources', '/etc/grafana/provisioning/datasources', true),
          ],
        },
      ],
      volumes: [
        claimVolume('data', 'grafana-data'),
        { name: 'datasources', configMap: { name: 'grafana-datasources' } },
      ],
    }),
  ];
}

function sonarqube(c: Context): Model[] {
  const { w } = c;
  const db = 'sonarqube-db';
  const home = '/opt/sonarqube';
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'sonarqube',
            image: image('SONARQUBE_IMAGE'),
            env: [
              ...env({
                SONAR_JDBC_URL: `jdbc:postgresql://${serviceHost(
                  c,
                  db,
                )}:5432/${dbName(db)}`,
                SONAR_JDBC_USERNAME: dbName(db),
                SONAR_WEB_PORT: String(w.sizing.port),
                // No vm.max_map_count on the node to raise: the embedded search engine does without mmap.
                SONAR_SEARCH_JAVAADDITIONALOPTS:
                  '-Dnode.store.allow_mmap=false',
                // Sign-in by the headers Authelia's forwardAuth sets (Traefik's authResponseHeaders).
                SONAR_WEB_SSO_ENABLE: 'true',
                SONAR_WEB_SSO_LOGINHEADER: 'Remote-User',
                SONAR_WEB_SSO_NAMEHEADER: 'Remote-Name',
                SONAR_WEB_SSO_EMAILHEADER: 'Remote-Email',
                SONAR_WEB_SSO_GROUPSHEADER: 'Remote-Groups',
                SONAR_TELEMETRY_ENABLE: 'false',
              }),
              dbPassword(db, 'SONAR_JDBC_PASSWORD'),
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            startupProbe: startup(
              httpProbe('/api/system/status', w.sizing.port!),
              10,
            ),
            readinessProbe: httpProbe('/api/system/status', w.sizing.port!, 15),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              mount('data', `${home}/data`),
              mount('extensions', `${home}/extensions`),
              mount('logs', `${home}/logs`),
              mount('temp', `${home}/temp`),
            ],
          },
        ],
        volumes: [
          { name: 'logs', emptyDir: {} },
          { name: 'temp', emptyDir: {} },
        ],
      },
      [claim('data', '10Gi'), claim('extensions', '1Gi')],
    ),
  ];
}

function ollama(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    // Which models to keep in the volume; `ollama pull` them once (ai-lab has no internet egress).
    configMap(w, 'ollama-models', {
      'models.txt': `${OLLAMA_MODELS.join('\n')}\n`,
    }),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'ollama',
            image: image('OLLAMA_IMAGE'),
            args: ['serve'],
            env: env({
              HOME: '/data',
              OLLAMA_HOST: `0.0.0.0:${w.sizing.port}`,
              OLLAMA_MODELS: '/data/models',
              // CPU inference on the node's AVX2: one model and one request at a time fit its memory.
              OLLAMA_NUM_PARALLEL: '1',
              OLLAMA_MAX_LOADED_MODELS: '1',
              OLLAMA_KEEP_ALIVE: '30m',
              OLLAMA_CONTEXT_LENGTH: '4096',
            }),
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/api/version', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [mount('data', '/data')],
          },
        ],
      },
      [claim('data', '30Gi')],
    ),
  ];
}

function qdrant(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'qdrant',
            image: image('QDRANT_IMAGE'),
            env: [
              ...env({
                QDRANT__SERVICE__HTTP_PORT: String(w.sizing.port),
                QDRANT__TELEMETRY_DISABLED: 'true',
                QDRANT__STORAGE__STORAGE_PATH: '/qdrant/storage',
                QDRANT__STORAGE__SNAPSHOTS_PATH: '/qdrant/storage/snapshots',
              }),
              secretEnv('QDRANT__SERVICE__API_KEY', 'qdrant', 'api-key'),
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/readyz', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [mount('storage', '/qdrant/storage')],
          },
        ],
      },
      [claim('storage', '10Gi')],
    ),
  ];
}

function perplexica(c: Context): Model[] {
  const { w } = c;
  const ollamaUrl = `http://${serviceHost(c, 'ollama')}:${
    dependency(c, 'ollama').sizing.port
  }`;
  const config = [
    '[GENERAL]',
    'SIMILARITY_MEASURE = "cosine"',
    'KEEP_ALIVE = "30m"',
    '',
    '[MODELS.OLLAMA]',
    `API_URL = "${ollamaUrl}"`,
    '',
    // ai-lab has no internet egress: no web search engine, the answers come from the local index.
    '[API_ENDPOINTS]',
    'SEARXNG = ""',
    '',
  ].join('\n');
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'perplexica', { 'config.toml': config }),
    singleDeployment(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'perplexica',
            image: image('PERPLEXICA_IMAGE'),
            env: env({ PORT: String(w.sizing.port), HOSTNAME: '0.0.0.0' }),
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: tcpProbe(w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              {
                name: 'config',
                mountPath: '/home/perplexica/config.toml',
                subPath: 'config.toml',
                readOnly: true,
              },
              mount('data', '/home/perplexica/data'),
              mount('uploads', '/home/perplexica/uploads'),
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'perplexica' } },
          { name: 'data', emptyDir: {} },
          { name: 'uploads', emptyDir: {} },
        ],
      },
      true,
    ),
  ];
}

/** Where Prometheus reads its secrets: the Secret `prometheus`, one file per key. */
const PROMETHEUS_SECRETS = '/etc/prometheus/secrets';

/**
 * Prometheus's scrape jobs: the node exporters on the mesh (job `node`, as
 * the alert rules select), every rendered workload's metrics port through
 * its Service, and the portal's FinOps job as infra/monitoring commits it.
 */
function scrapeConfigs(c: Context) {
  const rendered = c.plan.workloads.filter(
    w => builders[w.name] && w.sizing.metricsPort !== undefined,
  );
  const finops = parse(
    readFileSync(
      join(
        repoRoot,
        'infra',
        'monitoring',
        'prometheus',
        'scrape',
        'finops.yml',
      ),
      'utf8',
    ),
  ) as { scrape_configs: Record<string, unknown>[] };
  return [
    {
      job_name: 'node',
      static_configs: c.platform.nodes.map(n => ({
        targets: [`${n.meshAddress}:9100`],
        labels: { node: n.name },
      })),
    },
    ...rendered.map(w => ({
      job_name: w.name,
      static_configs: [
        {
          targets: [
            `${w.name}.${w.namespace}.svc.cluster.local:${w.sizing.metricsPort}`,
          ],
          labels: { namespace: w.namespace, node: w.node },
        },
      ],
      // Qdrant asks its API key on every route but the health checks.
      ...(w.name === 'qdrant'
        ? {
            authorization: {
              type: 'Bearer',
              credentials_file: `${PROMETHEUS_SECRETS}/qdrant-api-key`,
            },
          }
        : {}),
    })),
    ...finops.scrape_configs,
  ];
}

function prometheus(c: Context): Model[] {
  const { w } = c;
  const alertmanager = dependencyOrNull(c, 'alertmanager');
  const config = {
    global: { scrape_interval: '30s', evaluation_interval: '30s' },
    rule_files: ['/etc/prometheus/rules/*.yml'],
    alerting: alertmanager
      ? {
          alertmanagers: [
            {
              static_configs: [
                {
                  targets: [
                    `alertmanager.${alertmanager.namespace}.svc.cluster.local:${alertmanager.sizing.port}`,
                  ],
                },
              ],
            },
          ],
        }
      : undefined,
    scrape_configs: scrapeConfigs(c),
  };
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'prometheus', {
      'prometheus.yml': stringify(config, { lineWidth: 0 }),
    }),
    // The rule groups of infra/monitoring/prometheus/rules/platform.rules.yml.
    configMap(w, 'prometheus-rules', {
      'platform.rules.yml': stringify(
        { groups: ruleGroups(c.platform) },
        { lineWidth: 0 },
      ),
    }),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(65534),
        containers: [
          {
            name: 'prometheus',
            image: image('PROMETHEUS_IMAGE'),
            args: [
              '--config.file=/etc/prometheus/config/prometheus.yml',
              '--storage.tsdb.path=/prometheus',
              '--storage.tsdb.retention.time=30d',
              '--storage.tsdb.retention.size=15GB',
              `--web.listen-address=:${w.sizing.port}`,
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/-/ready', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            volumeMounts: [
              mount('data', '/prometheus'),
              mount('config', '/etc/prometheus/config', true),
              mount('rules', '/etc/prometheus/rules', true),
              mount('secrets', PROMETHEUS_SECRETS, true),
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'prometheus' } },
          { name: 'rules', configMap: { name: 'prometheus-rules' } },
          {
            name: 'secrets',
            secret: {
              secretName: 'prometheus',
              defaultMode: 0o400,
              items: ['finops-metrics-token', 'qdrant-api-key'].map(key => ({
                key,
                path: key,
              })),
            },
          },
        ],
      },
      [claim('data', '20Gi')],
    ),
  ];
}

function alertmanager(c: Context): Model[] {
  const { w } = c;
  const host = routeHost('alertmanager');
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(65534),
        containers: [
          {
            name: 'alertmanager',
            image: image('ALERTMANAGER_IMAGE'),
            args: [
              // Written by `yarn uyoop k8s alertmanager-config`: it holds the Discord webhook.
              '--config.file=/etc/alertmanager/alertmanager.yml',
              '--storage.path=/alertmanager',
              `--web.listen-address=:${w.sizing.port}`,
              `--web.external-url=https://${host}`,
              // One replica: no gossip cluster.
              '--cluster.listen-address=',
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/-/ready', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            volumeMounts: [
              mount('data', '/alertmanager'),
              mount('config', '/etc/alertmanager', true),
            ],
          },
        ],
        volumes: [
          {
            name: 'config',
            secret: {
              secretName: 'alertmanager',
              defaultMode: 0o400,
              items: [{ key: 'alertmanager.yml', path: 'alertmanager.yml' }],
            },
          },
        ],
      },
      [claim('data', '1Gi')],
    ),
  ];
}

/** Each rendered workload's builder, by catalog name. */
const builders: Record<string, (c: Context) => Model[]> = {
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
    .flatMap(w => builders[w.name]({ plan, platform: plan.platform, w }));
}
