/**
 * What K3s deploys into every cluster from its manifests folder: CoreDNS and
 * the local-path provisioner (the default StorageClass), here with the
 * testbed's locally built images.
 */
import { TestbedContext } from './context';
import { imageRef } from './images';

const rbac = (name: string, namespace: string, rules: unknown[]) => [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `uyoop:${name}` },
    rules,
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `uyoop:${name}` },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: `uyoop:${name}`,
    },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  },
];

/** What K3s's own add-ons tolerate: they may run on the control-plane node. */
const systemTolerations = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  {
    key: 'node-role.kubernetes.io/control-plane',
    operator: 'Exists',
    effect: 'NoSchedule',
  },
];

/** K3s's CoreDNS, without an upstream: the testbed reaches no outside resolver. */
export const corefile = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

export function corednsObjects(ctx: TestbedContext): unknown[] {
  const ns = 'kube-system';
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    ...rbac('coredns', ns, [
      {
        apiGroups: [''],
        resources: ['endpoints', 'services', 'pods', 'namespaces'],
        verbs: ['list', 'watch'],
      },
      {
        apiGroups: ['discovery.k8s.io'],
        resources: ['endpointslices'],
        verbs: ['list', 'watch'],
      },
    ]),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: ns },
      data: { Corefile: corefile },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            dnsPolicy: 'Default',
            tolerations: systemTolerations,
            containers: [
              {
                name: 'coredns',
                image: imageRef(ctx, 'coredns'),
                imagePullPolicy: 'IfNotPresent',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                ],
                readinessProbe: {
                  httpGet: { path: '/ready', port: 8181 },
                  periodSeconds: 2,
                },
                resources: { requests: { cpu: '100m', memory: '70Mi' } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: ns, labels },
      spec: {
        clusterIP: ctx.clusterDns,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    },
  ];
}

const setupScript = `#!/bin/sh
set -eu
mkdir -m 0777 -p "$VOL_DIR"
`;
const teardownScript = `#!/bin/sh
set -eu
rm -rf "$VOL_DIR"
`;

export function localPathObjects(ctx: TestbedContext): unknown[] {
  const ns = 'kube-system';
  return [
    ...rbac('local-path-provisioner', ns, [
      {
        apiGroups: [''],
        resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'],
        verbs: ['get', 'list', 'watch'],
      },
      {
        apiGroups: [''],
        resources: ['persistentvolumes'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['storageclasses'],
        verbs: ['get', 'list', 'watch'],
      },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'create', 'update'],
      },
    ]),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'local-path-config', namespace: ns },
      data: {
        'config.json': JSON.stringify({
          nodePathMap: [
            {
              node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES',
              paths: ['/var/lib/rancher/k3s/storage'],
            },
          ],
        }),
        setup: setupScript,
        teardown: teardownScript,
        'helperPod.yaml': JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'helper-pod' },
          spec: {
            containers: [
              {
                name: 'helper-pod',
                image: imageRef(ctx, 'busybox'),
                imagePullPolicy: 'IfNotPresent',
              },
            ],
          },
        }),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'local-path-provisioner', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'local-path-provisioner' } },
        template: {
          metadata: { labels: { app: 'local-path-provisioner' } },
          spec: {
            serviceAccountName: 'local-path-provisioner',
            priorityClassName: 'system-node-critical',
            tolerations: systemTolerations,
            containers: [
              {
                name: 'local-path-provisioner',
                image: imageRef(ctx, 'local-path-provisioner'),
                imagePullPolicy: 'IfNotPresent',
                command: [
                  'local-path-provisioner',
                  'start',
                  '--config',
                  '/etc/config/config.json',
                  '--helper-image',
                  imageRef(ctx, 'busybox'),
                  '--service-account-name',
                  'local-path-provisioner',
                ],
                env: [
                  {
                    name: 'POD_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                ],
                volumeMounts: [{ name: 'config', mountPath: '/etc/config/' }],
                resources: { requests: { cpu: '20m', memory: '32Mi' } },
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'local-path-config' } }],
          },
        },
      },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: 'local-path',
        annotations: {
          'storageclass.kubernetes.io/is-default-class': 'true',
          // "local" PVs are mounted under the pod's volume folder, where
          // Velero's node agent finds them (it cannot read hostPath volumes).
          defaultVolumeType: 'local',
        },
      },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    },
  ];
}
