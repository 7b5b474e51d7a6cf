/*
 * A catalog database on the real nodes: Nextcloud's PostgreSQL, as the
 * platform's StatefulSet runs it, in a namespace of its own. Rows written over
 * TCP with the password survive the loss of the pod, a wrong password is
 * refused, and after a Velero backup, the namespace deleted and restored, the
 * same rows are back.
 */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { demoWorkloads, KubeObject, loadPlatform } from '@internal/platform';
import { createContext } from './engine/context';
import { apply } from './engine/controlPlane';
import { runnableWorkloads } from './engine/workloads';
import { deleteNamespaceAndWait, execIn, waitRunning } from './pods';
import { kubeConfig, runId, testbed, tool, until } from '.';

jest.setTimeout(900_000);

describe('PostgreSQL on the testbed', () => {
  const tb = testbed();
  const ctx = createContext();
  const core = kubeConfig(tb).makeApiClient(CoreV1Api);
  const apps = kubeConfig(tb).makeApiClient(AppsV1Api);
  const id = runId();
  const namespace = `pg-it-${id}`;
  const backup = `pg-it-${id}`;
  const pod = 'nextcloud-db-0';
  const password = `pw-${id}-Secret`;
  const dbHost = `nextcloud-db.${namespace}.svc.cluster.local`;

  /** psql in the database pod, over TCP through the Service's DNS name. */
  const psql = (sql: string, pw = password) =>
    execIn(
      tb,
      namespace,
      pod,
      `PGPASSWORD='${pw}' psql -h ${dbHost} -U postgres -d nextcloud -tA -v ON_ERROR_STOP=1 -c "${sql}"`,
    );
  /** What a user would compare: the rows, in order, hashed. */
  const fingerprint = async () =>
    (
      await psql("SELECT count(*) || ':' || md5(string_agg(path || '=' || size, ',' ORDER BY path)) FROM files")
    ).trim();
  /**
   * The fingerprint once the database answers by its Service name again: a
   * replaced pod has a new address, which DNS gives out a few seconds after
   * the pod is Ready ("No route to host" to the old one until then).
   */
  const fingerprintOnceReachable = () =>
    until('the database to answer through its Service', () => fingerprint().catch(() => undefined), 120_000);

  beforeAll(async () => {
    const platform = await loadPlatform();
    const db = demoWorkloads(platform).filter(
      o =>
        (o.kind === 'StatefulSet' || o.kind === 'Service') &&
        (o.metadata as { name: string }).name === 'nextcloud-db',
    );
    expect(db.map(o => o.kind).sort()).toEqual(['Service', 'StatefulSet']);
    const moved = db.map(o => ({ ...o, metadata: { ...o.metadata, namespace } }) as KubeObject);
    await apply(ctx, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'nextcloud-db-credentials', namespace },
        stringData: { password },
      } as KubeObject,
      ...runnableWorkloads(ctx, moved),
    ]);
    await waitRunning(core, namespace, pod, 300_000);
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await tool(tb, 'velero', ['backup', 'delete', backup, '--confirm']).catch(() => undefined);
  });

  it('keeps rows written over TCP with the password when the pod is replaced', async () => {
    await psql('CREATE TABLE files (path text PRIMARY KEY, size bigint)');
    await psql(
      "INSERT INTO files SELECT 'photos/' || i || '.jpg', i * 1024 FROM generate_series(1, 500) i",
    );
    const before = await fingerprint();
    expect(before).toMatch(/^500:[0-9a-f]{32}$/);

    await core.deleteNamespacedPod({ name: pod, namespace });
    await until(`pod ${pod} replaced`, async () => {
      const p = await core.readNamespacedPod({ name: pod, namespace }).catch(() => undefined);
      return p && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' ? true : undefined;
    }, 300_000);
    await waitRunning(core, namespace, pod, 300_000);
    expect(await fingerprintOnceReachable()).toBe(before);
  });

  it('refuses a wrong password', async () => {
    await expect(psql('SELECT 1', 'not-the-password')).rejects.toThrow(
      /password authentication failed for user "postgres"/,
    );
  });

  it('comes back with the same rows after a Velero backup, the namespace deleted and restored', async () => {
    const before = await fingerprint();
    await tool(tb, 'velero', [
      'backup', 'create', backup,
      '--include-namespaces', namespace,
      '--default-volumes-to-fs-backup',
      '--wait',
    ]);
    expect(
      JSON.parse(await tool(tb, 'velero', ['backup', 'get', backup, '-o', 'json'])).status.phase,
    ).toBe('Completed');

    await deleteNamespaceAndWait(core, namespace);
    await tool(tb, 'velero', ['restore', 'create', backup, '--from-backup', backup, '--wait']);
    await until('the StatefulSet restored', async () =>
      (await apps.readNamespacedStatefulSet({ name: 'nextcloud-db', namespace }).catch(() => undefined))
        ? true
        : undefined,
    );
    await until(`pod ${pod} restored`, async () =>
      (await core.readNamespacedPod({ name: pod, namespace }).catch(() => undefined)) ? true : undefined,
    300_000);
    await waitRunning(core, namespace, pod, 300_000);
    expect(await fingerprintOnceReachable()).toBe(before);
  });
});
