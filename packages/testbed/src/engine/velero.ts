/**
 * Velero as its docs describe running it in development: the server as a
 * local process against the testbed's kubeconfig, with CRDs, a
 * BackupStorageLocation on the S3 `velero` bucket, and, inside the cluster,
 * the node agent (a DaemonSet on every node) that reads pod volumes with
 * Kopia, so that a backup carries PV data and not only objects.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from './builds';
import { TestbedContext } from './context';
import { apply, kubectl } from './controlPlane';
import { runningPid, start, stop, waitFor } from './daemons';
import { imageRef } from './images';
import { S3Keys, s3LabEndpoint, testbedBuckets } from './s3';

export const veleroNamespace = 'velero';

export const credentialsFile = (keys: S3Keys) =>
  `[default]\naws_access_key_id=${keys.accessKeyId}\naws_secret_access_key=${keys.secretAccessKey}\n`;

/** The in-cluster part: storage location, credentials, service account, node agent. */
export function veleroObjects(ctx: TestbedContext, keys: S3Keys, bucket: string): unknown[] {
  const ns = veleroNamespace;
  const image = imageRef(ctx, 'velero');
  const labels = { component: 'velero' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: ns },
      spec: {
        provider: 'aws',
        default: true,
        objectStorage: { bucket },
        config: {
          region: ctx.region,
          s3ForcePathStyle: 'true',
          // the node agents upload from the nodes: the lab address, not loopback
          s3Url: s3LabEndpoint(ctx),
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cloud-credentials', namespace: ns, labels },
      stringData: { cloud: credentialsFile(keys) },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'velero', namespace: ns, labels },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'velero', labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'velero', namespace: ns }],
    },
    {
      // Velero reads the image of its own Deployment for the restore helper
      // and for its maintenance jobs; the server itself runs outside, so the
      // Deployment has no replica.
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'velero',
        namespace: ns,
        labels: { ...labels, 'backstage.io/kubernetes-id': 'velero' },
        annotations: {
          'uyoop.io/testbed': 'the Velero server runs outside the cluster (yarn testbed)',
        },
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { deploy: 'velero' } },
        template: {
          metadata: { labels: { deploy: 'velero', ...labels } },
          spec: {
            serviceAccountName: 'velero',
            containers: [
              { name: 'velero', image, imagePullPolicy: 'IfNotPresent' },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-agent', namespace: ns, labels },
      spec: {
        selector: { matchLabels: { name: 'node-agent' } },
        template: {
          metadata: {
            labels: { name: 'node-agent', role: 'node-agent', ...labels },
          },
          spec: {
            serviceAccountName: 'velero',
            securityContext: { runAsUser: 0 },
            tolerations: [{ operator: 'Exists' }],
            volumes: [
              { name: 'host-pods', hostPath: { path: '/var/lib/kubelet/pods' } },
              {
                name: 'host-plugins',
                hostPath: { path: '/var/lib/kubelet/plugins' },
              },
              { name: 'scratch', emptyDir: {} },
              {
                name: 'cloud-credentials',
                secret: { secretName: 'cloud-credentials' },
              },
            ],
            containers: [
              {
                name: 'node-agent',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/velero'],
                args: ['node-agent', 'server'],
                env: [
                  {
                    name: 'NODE_NAME',
                    valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
                  },
                  {
                    name: 'VELERO_NAMESPACE',
                    valueFrom: {
                      fieldRef: { fieldPath: 'metadata.namespace' },
                    },
                  },
                  { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
                  { name: 'HOME', value: '/scratch' },
                  {
                    name: 'AWS_SHARED_CREDENTIALS_FILE',
                    value: '/credentials/cloud',
                  },
                ],
                securityContext: { privileged: true },
                volumeMounts: [
                  {
                    name: 'host-pods',
                    mountPath: '/host_pods',
                    mountPropagation: 'HostToContainer',
                  },
                  {
                    name: 'host-plugins',
                    mountPath: '/var/lib/kubelet/plugins',
                    mountPropagation: 'HostToContainer',
                  },
                  { name: 'scratch', mountPath: '/scratch' },
                  { name: 'cloud-credentials', mountPath: '/credentials' },
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

export async function veleroUp(ctx: TestbedContext, keys: S3Keys) {
  const dir = join(ctx.state, 'velero');
  mkdirSync(dir, { recursive: true });
  const credentials = join(dir, 'credentials');
  writeFileSync(credentials, credentialsFile(keys), { mode: 0o600 });
  const velero = join(binDir(ctx, 'velero'), 'velero');

  const crds = await ctx.run.run(velero, [
    'install', '--crds-only', '--dry-run', '-o', 'json',
  ]);
  const list = JSON.parse(crds.stdout) as { items: unknown[] };
  await apply(ctx, list.items);
  await kubectl(ctx, [
    'wait', '--for', 'condition=established', '--timeout=30s',
    'crd/backups.velero.io', 'crd/backupstoragelocations.velero.io',
  ]);
  await apply(ctx, veleroObjects(ctx, keys, (await testbedBuckets(ctx)).velero));

  if (!runningPid(ctx, 'velero')) {
    // Velero's controller-runtime manager always binds *:8080 (no flag).
    start(
      ctx,
      'velero',
      velero,
      [
        'server',
        '--kubeconfig', join(ctx.state, 'kubeconfig'),
        '--namespace', veleroNamespace,
        '--plugin-dir', binDir(ctx, 'velero-plugin-for-aws'),
        '--metrics-address', `${ctx.addr}:${ctx.ports.veleroMetrics}`,
        '--profiler-address', '',
        '--uploader-type', 'kopia',
        '--default-backup-storage-location', 'default',
      ],
      { AWS_SHARED_CREDENTIALS_FILE: credentials },
    );
  }
  await waitFor(ctx, 60, "Velero's BackupStorageLocation to be Available", async () =>
    (await kubectl(ctx, [
      '-n', veleroNamespace, 'get', 'bsl', 'default', '-o', 'jsonpath={.status.phase}',
    ])) === 'Available',
  );
}

export async function veleroDown(ctx: TestbedContext) {
  await stop(ctx, 'velero');
  rmSync(join(ctx.state, 'velero'), { recursive: true, force: true });
}
