/** The business services of the dossier's matrix that run in the cluster: Nextcloud and Ghost. */
import {
  claimVolume,
  confined,
  Context,
  dbName,
  dbPassword,
  env,
  image,
  Model,
  mount,
  nonRootPod,
  POD_CIDR,
  pvc,
  resourcesOf,
  routeHost,
  s3Of,
  secretEnv,
  serviceHost,
  serviceOf,
  servicePorts,
  singleDeployment,
  split,
  startup,
  tcpProbe,
} from './kit';

export function nextcloud(c: Context): Model[] {
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

export function ghost(c: Context): Model[] {
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
