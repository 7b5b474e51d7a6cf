/*
 * A catalog database on the real nodes: Nextcloud's PostgreSQL, as the
 * platform's StatefulSet runs it, in a namespace of its own. Rows written over
 * TCP with the password survive the loss of the pod, a wrong password is
 * refused, and after a Velero backup, the namespace deleted and restored, the
 * same rows are back.
 */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { deleteNamespaceAndWait, waitRunning } from './pods';
import { deployCatalogDatabase, TestDatabase } from './postgres';
import { kubeConfig, runId, testbed, tool, until } from '.';

jest.setTimeout(900_000);

describe('PostgreSQL on the testbed', () => {
  const tb = testbed();
  const core = kubeConfig(tb).makeApiClient(CoreV1Api);
  const apps = kubeConfig(tb).makeApiClient(AppsV1Api);
  const id = runId();
  const namespace = `pg-it-${id}`;
  const backup = `pg-it-${id}`;
  const pod = 'nextcloud-db-0';
  let db: TestDatabase;
  const psql = (sql: string, pw?: string) => db.psql(sql, pw);
  const fingerprint = () => db.fingerprint();
  const fingerprintOnceReachable = () => db.fingerprintOnceReachable();

  beforeAll(async () => {
    db = await deployCatalogDatabase(tb, namespace, `pw-${id}-Secret`);
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
