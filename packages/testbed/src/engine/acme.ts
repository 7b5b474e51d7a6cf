/**
 * Certificates over ACME on the testbed: cert-manager's controllers (built
 * from its Go module at CERT_MANAGER_VERSION, infra/testbed/cert-manager) and
 * Pebble, Let's Encrypt's ACME test server, as the ACME directory. Pebble
 * validates HTTP-01 challenges on port 80 of the names it is asked for,
 * resolved through the cluster's DNS, where the platform's domains lead to
 * Traefik (addons.ts): the same path Let's Encrypt takes in production.
 *
 * Not part of `yarn testbed up`: a test installs them, and removes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confinedContainer, nonRootPod } from './addons';
import { TestbedContext } from './context';
import { goModuleDir } from './crds';
import { imageRef } from './images';

export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** Pebble's ACME directory, as pods of the cert-manager namespace reach it (its certificate names `pebble`). */
export const PEBBLE_DIRECTORY = 'https://pebble:14000/dir';

export interface PebbleFiles {
  /** Pebble's HTTPS certificate and key (test certificates of its module, for `pebble` and `localhost`). */
  cert: string;
  key: string;
  /** The CA of that certificate: what an ACME client trusts to reach the directory. */
  ca: string;
}

/** Pebble's test certificates, from its Go module. */
export async function pebbleFiles(ctx: TestbedContext): Promise<PebbleFiles> {
  const dir = await goModuleDir(
    ctx,
    'github.com/letsencrypt/pebble/v2',
    'PEBBLE_VERSION',
  );
  const read = (p: string) =>
    readFileSync(join(dir, 'test', 'certs', p), 'utf8');
  return {
    cert: read('localhost/cert.pem'),
    key: read('localhost/key.pem'),
    ca: read('pebble.minica.pem'),
  };
}

/** Pebble in the cert-manager namespace, validating on port 80 through the cluster's DNS. */
export function pebbleObjects(
  ctx: TestbedContext,
  node: string,
  files: PebbleFiles,
): unknown[] {
  const ns = CERT_MANAGER_NAMESPACE;
  const labels = { 'app.kubernetes.io/name': 'pebble' };
  const config = {
    pebble: {
      listenAddress: '0.0.0.0:14000',
      managementListenAddress: '0.0.0.0:15000',
      certificate: '/tls/tls.crt',
      privateKey: '/tls/tls.key',
      // HTTP-01 is validated where Let's Encrypt validates it: port 80.
      httpPort: 80,
      tlsPort: 443,
      externalAccountBindingRequired: false,
      retryAfter: { authz: 1, order: 1 },
      keyAlgorithm: 'ecdsa',
      profiles: {
        default: { description: 'testbed', validityPeriod: 7776000 },
      },
    },
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'pebble', namespace: ns, labels },
      data: { 'pebble-config.json': JSON.stringify(config, null, 2) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pebble-tls', namespace: ns, labels },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': files.cert, 'tls.key': files.key },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pebble', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...nonRootPod,
            nodeSelector: { 'kubernetes.io/hostname': node },
            containers: [
              {
                ...confinedContainer,
                name: 'pebble',
                image: imageRef(ctx, 'pebble'),
                args: [
                  '-config',
                  '/config/pebble-config.json',
                  '-dnsserver',
                  `${ctx.clusterDns}:53`,
                ],
                env: [
                  // No random wait before a validation, no random nonce rejection.
                  { name: 'PEBBLE_VA_NOSLEEP', value: '1' },
                  { name: 'PEBBLE_WFE_NONCEREJECT', value: '0' },
                ],
                ports: [
                  { name: 'acme', containerPort: 14000 },
                  { name: 'management', containerPort: 15000 },
                ],
                readinessProbe: {
                  tcpSocket: { port: 14000 },
                  periodSeconds: 1,
                },
                resources: { requests: { cpu: '50m', memory: '64Mi' } },
                volumeMounts: [
                  { name: 'config', mountPath: '/config' },
                  { name: 'tls', mountPath: '/tls' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'pebble' } },
              { name: 'tls', secret: { secretName: 'pebble-tls' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'pebble', namespace: ns, labels },
      spec: {
        selector: labels,
        ports: [
          { name: 'acme', port: 14000, targetPort: 'acme' },
          { name: 'management', port: 15000, targetPort: 'management' },
        ],
      },
    },
  ];
}

/** cert-manager's controllers in their namespace, on the catalog's node. */
export function certManagerObjects(
  ctx: TestbedContext,
  node: string,
): unknown[] {
  const ns = CERT_MANAGER_NAMESPACE;
  const name = 'cert-manager';
  const labels = { 'app.kubernetes.io/name': name };
  const all = ['*'];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: ns },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `uyoop:${name}` },
      rules: [
        {
          apiGroups: ['cert-manager.io', 'acme.cert-manager.io'],
          resources: all,
          verbs: all,
        },
        // HTTP-01 solvers: a pod, a Service and an Ingress per challenge.
        {
          apiGroups: [''],
          resources: ['pods', 'services', 'secrets', 'configmaps'],
          verbs: all,
        },
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['ingresses'],
          verbs: all,
        },
        // Watched whether or not the Gateway API is installed.
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: all,
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['', 'events.k8s.io'],
          resources: ['events'],
          verbs: ['create', 'patch', 'update'],
        },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: all,
        },
      ],
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
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...nonRootPod,
            serviceAccountName: name,
            nodeSelector: { 'kubernetes.io/hostname': node },
            containers: [
              {
                ...confinedContainer,
                name: 'controller',
                image: imageRef(ctx, 'cert-manager-controller'),
                args: [
                  `--cluster-resource-namespace=${ns}`,
                  `--acme-http01-solver-image=${imageRef(
                    ctx,
                    'cert-manager-acmesolver',
                  )}`,
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi' } },
              },
            ],
          },
        },
      },
    },
  ];
}
