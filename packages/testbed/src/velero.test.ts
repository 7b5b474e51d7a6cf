/*
 * Velero on the testbed: back up a namespace to the velero bucket, with its
 * volume's data through the node agent (Kopia), lose the namespace, restore
 * it, and find the objects, the pod Running and the same file.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { busybox, deleteNamespaceAndWait, execIn, waitRunning } from './pods';
import { kubeConfig, runId, s3Client, testbed, tool, until } from '.';

jest.setTimeout(600_000);

describe('Velero on the testbed', () => {
  const tb = testbed();
  const kc = kubeConfig(tb);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const id = runId();
  const namespace = `drp-it-${id}`;
  const backup = `drp-it-${id}`;

  /** What a person would check came back: every object of the kinds a service is made of. */
  async function objects(): Promise<string[]> {
    const [cms, secrets, services, deployments, accounts, pvcs] = await Promise.all([
      core.listNamespacedConfigMap({ namespace }),
      core.listNamespacedSecret({ namespace }),
      core.listNamespacedService({ namespace }),
      apps.listNamespacedDeployment({ namespace }),
      core.listNamespacedServiceAccount({ namespace }),
      core.listNamespacedPersistentVolumeClaim({ namespace }),
    ]);
    return [
      ...cms.items.map(o => `ConfigMap/${o.metadata!.name}`),
      ...secrets.items.map(o => `Secret/${o.metadata!.name}`),
      ...services.items.map(o => `Service/${o.metadata!.name}`),
      ...deployments.items.map(o => `Deployment/${o.metadata!.name}`),
      ...accounts.items.map(o => `ServiceAccount/${o.metadata!.name}`),
      ...pvcs.items.map(o => `PersistentVolumeClaim/${o.metadata!.name}`),
    ].sort();
  }

  /** The ghost pod of the Deployment, once Running. */
  async function ghostPod(): Promise<string> {
    const name = await until('a ghost pod', async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=ghost' });
      return pods.items.find(p => !p.metadata?.deletionTimestamp)?.metadata?.name;
    });
    await waitRunning(core, namespace, name, 180_000);
    return name;
  }

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: 'ghost-config' },
        data: { url: 'https://uyoop.fr' },
      },
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'ghost-db' },
        stringData: { password: `pw-${id}` },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'ghost' },
        spec: { selector: { app: 'ghost' }, ports: [{ port: 2368 }] },
      },
    });
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'ghost' } },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'ghost-content' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '64Mi' } },
        },
      },
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'ghost' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'ghost' } },
          template: {
            metadata: { labels: { app: 'ghost' } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'ghost',
                  image: busybox(),
                  imagePullPolicy: 'Never',
                  command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
                  volumeMounts: [{ name: 'content', mountPath: '/var/lib/ghost/content' }],
                },
              ],
              volumes: [
                { name: 'content', persistentVolumeClaim: { claimName: 'ghost-content' } },
              ],
            },
          },
        },
      },
    });
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('backs up a namespace with its volume data, and restores every object, the pod and the same file after the namespace is gone', async () => {
    // Ghost's content: 1 MiB of random bytes on the PVC, and its checksum.
    const writer = await ghostPod();
    const sum = (pod: string) =>
      execIn(tb, namespace, pod, 'sha256sum /var/lib/ghost/content/images.bin').then(o => o.split(' ')[0]);
    await execIn(tb, namespace, writer, 'head -c 1048576 /dev/urandom > /var/lib/ghost/content/images.bin');
    const checksum = await sum(writer);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);

    const before = await until('the namespace service account', async () => {
      const list = await objects();
      return list.includes('ServiceAccount/default') ? list : undefined;
    });
    expect(before).toEqual(
      expect.arrayContaining([
        'ConfigMap/ghost-config',
        'Secret/ghost-db',
        'Deployment/ghost',
        'PersistentVolumeClaim/ghost-content',
      ]),
    );

    await tool(tb, 'velero', [
      'backup',
      'create',
      backup,
      '--include-namespaces',
      namespace,
      '--default-volumes-to-fs-backup',
      '--wait',
    ]);
    const volumeBackups = JSON.parse(
      await tool(tb, 'kubectl', [
        '-n', tb.veleroNamespace, 'get', 'podvolumebackups',
        '-l', `velero.io/backup-name=${backup}`, '-o', 'json',
      ]),
    ).items as { spec: { volume: string }; status: { phase: string; progress?: { totalBytes?: number } } }[];
    expect(volumeBackups.map(v => [v.spec.volume, v.status.phase])).toEqual([
      ['content', 'Completed'],
    ]);
    expect(volumeBackups[0].status.progress?.totalBytes).toBeGreaterThanOrEqual(1048576);
    const phase = JSON.parse(
      await tool(tb, 'velero', ['backup', 'get', backup, '-o', 'json']),
    ).status.phase;
    expect(phase).toBe('Completed');
    const stored = await s3Client(tb).send(
      new ListObjectsV2Command({
        Bucket: tb.s3.bucketVelero,
        Prefix: `backups/${backup}/`,
      }),
    );
    expect((stored.Contents ?? []).map(o => o.Key)).toContain(
      `backups/${backup}/${backup}.tar.gz`,
    );

    // A restore into a terminating namespace hangs (velero#5697): wait until it is gone.
    await deleteNamespaceAndWait(core, namespace);

    await tool(tb, 'velero', [
      'restore',
      'create',
      backup,
      '--from-backup',
      backup,
      '--wait',
    ]);
    const restore = JSON.parse(
      await tool(tb, 'velero', ['restore', 'get', backup, '-o', 'json']),
    );
    expect(restore.status.phase).toBe('Completed');
    expect(await objects()).toEqual(before);
    const cm = await core.readNamespacedConfigMap({
      name: 'ghost-config',
      namespace,
    });
    expect(cm.data).toEqual({ url: 'https://uyoop.fr' });
    // The pod runs again, and its volume holds the same bytes.
    expect(await sum(await ghostPod())).toBe(checksum);
  });
});
