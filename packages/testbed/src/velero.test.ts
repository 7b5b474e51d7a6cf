/* Velero on the testbed: back up a namespace to the velero bucket, lose it, restore it. */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { kubeConfig, runId, s3Client, testbed, tool, until } from '.';

jest.setTimeout(300_000);

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
    const [cms, secrets, services, deployments, accounts] = await Promise.all([
      core.listNamespacedConfigMap({ namespace }),
      core.listNamespacedSecret({ namespace }),
      core.listNamespacedService({ namespace }),
      apps.listNamespacedDeployment({ namespace }),
      core.listNamespacedServiceAccount({ namespace }),
    ]);
    return [
      ...cms.items.map(o => `ConfigMap/${o.metadata!.name}`),
      ...secrets.items.map(o => `Secret/${o.metadata!.name}`),
      ...services.items.map(o => `Service/${o.metadata!.name}`),
      ...deployments.items.map(o => `Deployment/${o.metadata!.name}`),
      ...accounts.items.map(o => `ServiceAccount/${o.metadata!.name}`),
    ].sort();
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
              containers: [{ name: 'ghost', image: 'ghost:5' }],
            },
          },
        },
      },
    });
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('backs up a namespace into the velero bucket, and restores every object after the namespace is gone', async () => {
    const before = await until('the namespace service account', async () => {
      const list = await objects();
      return list.includes('ServiceAccount/default') ? list : undefined;
    });
    expect(before).toEqual(
      expect.arrayContaining([
        'ConfigMap/ghost-config',
        'Secret/ghost-db',
        'Deployment/ghost',
      ]),
    );

    await tool(tb, 'velero', [
      'backup',
      'create',
      backup,
      '--include-namespaces',
      namespace,
      '--wait',
    ]);
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

    await core.deleteNamespace({ name: namespace });
    // A restore into a terminating namespace hangs (velero#5697): wait until it is gone.
    await until(
      'the namespace to be gone',
      async () => {
        try {
          await core.readNamespace({ name: namespace });
          return undefined;
        } catch (e) {
          return (e as { code?: number }).code === 404 ? true : undefined;
        }
      },
      120_000,
    );

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
  });
});
