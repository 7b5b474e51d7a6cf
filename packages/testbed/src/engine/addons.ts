/**
 * What K3s deploys into every cluster from its manifests folder: CoreDNS,
 * the local-path provisioner (the default StorageClass) and Traefik, here
 * with the testbed's locally built images.
 */
import { TestbedContext } from './context';
import { imageRef, NON_ROOT_UID } from './images';

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

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * K3s's CoreDNS, without an upstream: the testbed reaches no outside resolver.
 * The platform's public domains stand in for their public DNS: each name
 * under them answers with Traefik's Service, as the real records point at
 * the node where Traefik listens (ACME validations and clients go there).
 */
export const corefile = (domains: string[]) => `.:53 {
    errors
    health :8080
    ready :8181
${domains
  .map(
    d => `    rewrite stop {
        name regex ^(.*\\.)?${escapeRegex(d)}\\.$ ${TRAEFIK_DNS_NAME}.
        answer auto
    }
`,
  )
  .join('')}    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

export function corednsObjects(ctx: TestbedContext, domains: string[]): unknown[] {
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
      data: { Corefile: corefile(domains) },
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

const TRAEFIK_DNS_NAME = 'traefik.kube-system.svc.cluster.local';

/** The pods of the testbed's Go-built tools run as their images' non-root user. */
export const nonRootPod = {
  securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT_UID, runAsGroup: NON_ROOT_UID },
};
/** Their containers: no privilege escalation, no capabilities, a read-only root. */
export const confinedContainer = {
  imagePullPolicy: 'IfNotPresent',
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
  },
};
/** On what the testbed runs itself: `yarn testbed workloads` puts no stand-in in its place. */
export const TESTBED_ADDON_LABEL = 'uyoop.io/testbed-addon';
/** Traefik's entry points, as K3s's chart sets them: container port and the node port it is published on. */
export const TRAEFIK_ENTRYPOINTS = {
  web: { port: 8000, hostPort: 80 },
  websecure: { port: 8443, hostPort: 443 },
  metrics: { port: 9100 },
  traefik: { port: 9000 },
} as const;

/**
 * Traefik as K3s bundles it: in kube-system, with the Kubernetes CRD and
 * Ingress providers (cert-manager's HTTP-01 solvers are Ingresses of class
 * `traefik`), listening on ports 80 and 443 of its catalog node as K3s's
 * service load balancer publishes them.
 */
export function traefikObjects(ctx: TestbedContext, node: string): unknown[] {
  const ns = 'kube-system';
  const labels = { 'app.kubernetes.io/name': 'traefik' };
  // The portal's Kubernetes tab finds the catalog's traefik by its id.
  const shown = { ...labels, 'backstage.io/kubernetes-id': 'traefik' };
  const e = TRAEFIK_ENTRYPOINTS;
  const read = ['get', 'list', 'watch'];
  return [
    ...rbac('traefik', ns, [
      { apiGroups: [''], resources: ['services', 'endpoints', 'secrets', 'configmaps', 'nodes', 'namespaces'], verbs: read },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
      { apiGroups: ['traefik.io'], resources: ['*'], verbs: read },
    ]),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'traefik', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'traefik.io/ingress-controller' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'traefik', namespace: ns, labels: { ...shown, [TESTBED_ADDON_LABEL]: 'true' } },
      spec: {
        replicas: 1,
        // Ports 80 and 443 of the node are held by one pod at a time.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: shown },
          spec: {
            serviceAccountName: 'traefik',
            priorityClassName: 'system-cluster-critical',
            nodeSelector: { 'kubernetes.io/hostname': node },
            tolerations: systemTolerations,
            ...nonRootPod,
            containers: [
              {
                ...confinedContainer,
                name: 'traefik',
                image: imageRef(ctx, 'traefik'),
                args: [
                  ...Object.entries(e).map(([name, p]) => `--entryPoints.${name}.address=:${p.port}/tcp`),
                  '--entryPoints.websecure.http.tls=true',
                  '--ping=true',
                  '--ping.entryPoint=traefik',
                  '--metrics.prometheus=true',
                  '--metrics.prometheus.entryPoint=metrics',
                  '--providers.kubernetesCRD',
                  '--providers.kubernetesIngress',
                  '--log.level=INFO',
                  // Nothing leaves the cluster: no version check, no usage report.
                  '--global.checkNewVersion=false',
                  '--global.sendAnonymousUsage=false',
                ],
                ports: [
                  { name: 'web', containerPort: e.web.port, hostPort: e.web.hostPort, protocol: 'TCP' },
                  { name: 'websecure', containerPort: e.websecure.port, hostPort: e.websecure.hostPort, protocol: 'TCP' },
                  { name: 'metrics', containerPort: e.metrics.port, protocol: 'TCP' },
                ],
                readinessProbe: {
                  httpGet: { path: '/ping', port: e.traefik.port },
                  periodSeconds: 2,
                },
                resources: { requests: { cpu: '100m', memory: '64Mi' } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'traefik', namespace: ns, labels },
      spec: {
        selector: labels,
        ports: [
          { name: 'web', port: e.web.hostPort, targetPort: 'web' },
          { name: 'websecure', port: e.websecure.hostPort, targetPort: 'websecure' },
        ],
      },
    },
  ];
}
