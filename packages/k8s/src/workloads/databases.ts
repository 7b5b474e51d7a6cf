/** The catalog's databases: PostgreSQL and MySQL as StatefulSets on NVMe, Redis for sessions in memory. */
import {
  claim,
  confined,
  Context,
  dbName,
  dbPassword,
  env,
  image,
  Model,
  mount,
  nonRootPod,
  resourcesOf,
  secretEnv,
  serviceOf,
  singleDeployment,
  statefulSet,
  tcpProbe,
} from './kit';

/**
 * Velero's pre-backup hook: a consistent dump lands on the data volume just
 * before the file-system backup copies it (a file copy of a running database
 * alone is not consistent). The DRP preflight looks for it.
 */
const dumpHook = (container: string, line: string) => ({
  'pre.hook.backup.velero.io/container': container,
  'pre.hook.backup.velero.io/command': JSON.stringify(['/bin/sh', '-c', line]),
  'pre.hook.backup.velero.io/timeout': '10m',
});

export function postgres(c: Context, storage: string): Model[] {
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
      dumpHook(
        'postgres',
        `PGPASSWORD="$POSTGRES_PASSWORD" pg_dump -h 127.0.0.1 -U "$POSTGRES_USER" --clean --if-exists "$POSTGRES_DB" > ${data}/uyoop-dump.sql`,
      ),
    ),
  ];
}

export function mysql(c: Context, storage: string): Model[] {
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
      dumpHook(
        'mysql',
        'mysqldump -u root -p"$MYSQL_ROOT_PASSWORD" --single-transaction --all-databases > /var/lib/mysql/uyoop-dump.sql',
      ),
    ),
  ];
}

export function redis(c: Context): Model[] {
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
