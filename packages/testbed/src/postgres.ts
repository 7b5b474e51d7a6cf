/**
 * A catalog PostgreSQL database on the testbed, for the tests that need one:
 * the platform's own StatefulSet, Service and credentials Secret, moved into
 * a namespace of the test, and psql over TCP through its Service's name.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { demoWorkloads, KubeObject, loadPlatform } from '@internal/platform';
import { createContext } from './engine/context';
import { apply } from './engine/controlPlane';
import { runnableWorkloads } from './engine/workloads';
import { execIn, waitRunning } from './pods';
import { kubeConfig, Testbed, until } from '.';

export interface TestDatabase {
  name: string;
  namespace: string;
  pod: string;
  password: string;
  /** psql as the superuser, over TCP through the Service's DNS name; the output, tuples only. */
  psql(sql: string, password?: string): Promise<string>;
  /** What a user would compare: the rows of `files`, in order, counted and hashed. */
  fingerprint(): Promise<string>;
  /** The fingerprint once the database answers by its Service name (a replaced pod has a new address). */
  fingerprintOnceReachable(): Promise<string>;
}

/** The catalog database `name` (default Nextcloud's) in `namespace`, created with it; resolves once its pod runs. */
export async function deployCatalogDatabase(
  tb: Testbed,
  namespace: string,
  password: string,
  name = 'nextcloud-db',
): Promise<TestDatabase> {
  const ctx = createContext();
  const objects = demoWorkloads(await loadPlatform()).filter(
    o =>
      (o.kind === 'StatefulSet' || o.kind === 'Service') &&
      (o.metadata as { name: string }).name === name,
  );
  if (objects.length !== 2) throw new Error(`the catalog has no PostgreSQL database ${name}`);
  const moved = objects.map(o => ({ ...o, metadata: { ...o.metadata, namespace } }) as KubeObject);
  await apply(ctx, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-credentials`, namespace },
      stringData: { password },
    } as KubeObject,
    ...runnableWorkloads(ctx, moved),
  ]);
  const pod = `${name}-0`;
  await waitRunning(kubeConfig(tb).makeApiClient(CoreV1Api), namespace, pod, 300_000);
  const host = `${name}.${namespace}.svc.cluster.local`;
  const psql = (sql: string, pw = password) =>
    execIn(
      tb,
      namespace,
      pod,
      `PGPASSWORD='${pw}' psql -h ${host} -U postgres -d "$POSTGRES_DB" -tA -v ON_ERROR_STOP=1 -c "${sql}"`,
    );
  const fingerprint = async () =>
    (
      await psql("SELECT count(*) || ':' || md5(string_agg(path || '=' || size, ',' ORDER BY path)) FROM files")
    ).trim();
  return {
    name,
    namespace,
    pod,
    password,
    psql,
    fingerprint,
    fingerprintOnceReachable: () =>
      until('the database to answer through its Service', () => fingerprint().catch(() => undefined), 120_000),
  };
}
