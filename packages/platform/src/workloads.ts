import type { Platform } from './model';

/** A Kubernetes object, as the API takes it. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec?: unknown;
};

/** The image a database StatefulSet names; the testbed swaps in its own build. */
export const POSTGRESQL_STAND_IN = 'registry.invalid/uyoop/postgres:demo';

/**
 * Where a pod may run: the node's name, and a toleration of each of its
 * taints. Throws naming a node the catalog does not hold.
 */
export function nodePlacement(platform: Platform, nodeName: string) {
  const node = platform.nodes.find(n => n.name === nodeName);
  if (!node)
    throw new Error(
      `node ${nodeName} is not in the catalog (catalog/nodes.yaml has ${platform.nodes
        .map(n => n.name)
        .join(', ')})`,
    );
  return {
    nodeSelector: { 'kubernetes.io/hostname': node.name },
    tolerations: node.taints.map(t => ({
      key: t.key,
      operator: 'Equal' as const,
      value: t.value,
      effect: t.effect,
    })),
  };
}

/**
 * Each PostgreSQL database of the catalog as a StatefulSet on its node: a
 * headless Service (`<db>.<namespace>.svc`), one replica whose data lives on a
 * 1 Gi claim of the default StorageClass, the superuser's password from the
 * Secret `<db>-credentials` (key `password`), ready when pg_isready says so.
 */
function postgresWorkloads(platform: Platform): KubeObject[] {
  return platform.databases
    .filter(d => d.engine === 'postgresql')
    .flatMap(db => {
      const labels = {
        'app.kubernetes.io/name': db.name,
        'backstage.io/kubernetes-id': db.name,
      };
      const metadata = { name: db.name, namespace: db.namespace, labels };
      const data = '/var/lib/postgresql/data';
      return [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata,
          spec: {
            clusterIP: 'None',
            selector: labels,
            ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }],
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata,
          spec: {
            serviceName: db.name,
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                ...nodePlacement(platform, db.nodes[0]),
                securityContext: { runAsUser: 999, runAsGroup: 999 },
                initContainers: [
                  {
                    // A local volume starts owned by root: hand it to the server's user.
                    name: 'volume-owner',
                    image: POSTGRESQL_STAND_IN,
                    command: ['chown', '-R', '999:999', data],
                    securityContext: { runAsUser: 0, runAsGroup: 0 },
                    volumeMounts: [{ name: 'data', mountPath: data }],
                  },
                ],
                containers: [
                  {
                    name: 'postgres',
                    image: POSTGRESQL_STAND_IN,
                    env: [
                      { name: 'POSTGRES_DB', value: db.name.replace(/-db$/, '') },
                      {
                        name: 'POSTGRES_PASSWORD',
                        valueFrom: { secretKeyRef: { name: `${db.name}-credentials`, key: 'password' } },
                      },
                    ],
                    ports: [{ name: 'postgres', containerPort: 5432 }],
                    readinessProbe: {
                      exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'] },
                      periodSeconds: 2,
                    },
                    resources: { requests: { cpu: '100m', memory: '256Mi' } },
                    volumeMounts: [{ name: 'data', mountPath: data }],
                  },
                ],
              },
            },
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                },
              },
            ],
          },
        },
      ];
    });
}

/**
 * Stand-in workloads for the catalog's K3s services: one Deployment per
 * service, in its namespace, on its node (tolerating the node's taints), with
 * the label the portal's Kubernetes tab selects on, and a StatefulSet per
 * PostgreSQL database. The testbed runs them with its own small images
 * (`yarn testbed workloads`) to show live workloads in the portal.
 */
export function demoWorkloads(platform: Platform): KubeObject[] {
  const k3s = platform.services.filter(s => s.runtime === 'k3s');
  const databases = postgresWorkloads(platform);
  const namespaces = [
    ...new Set([
      ...k3s.map(s => s.namespace),
      ...databases.map(o => (o.metadata as { namespace: string }).namespace),
    ]),
  ]
    .sort()
    .map(name => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    }));
  const deployments = k3s.map(s => {
    const labels = {
      'app.kubernetes.io/name': s.name,
      'backstage.io/kubernetes-id': s.name,
    };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, namespace: s.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...nodePlacement(platform, s.nodes[0]),
            containers: [
              {
                name: s.name,
                image: `registry.invalid/uyoop/${s.name}:demo`,
                resources: { requests: { cpu: '100m', memory: '128Mi' } },
              },
            ],
          },
        },
      },
    };
  });
  return [...namespaces, ...deployments, ...databases];
}
