/*
 * Tier 2 on the testbed: Nextcloud's PostgreSQL (the catalog's StatefulSet,
 * in a namespace of the run) dumped by the engine with pg_dump into restic
 * on the Object Lock bucket, loaded back after its table is dropped, copied
 * to a cold repository on the local disk and loaded back from there too.
 * Needs `yarn testbed up`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadPlatform, Platform } from '@internal/platform';
import { kubeConfig, runId, testbed, tool } from '@internal/testbed';
import {
  deployCatalogDatabase,
  TestDatabase,
} from '@internal/testbed/src/postgres';
import { resticRepositoryUrl } from './restic';
import { testbedEngine } from './testUtils/testbed';

jest.setTimeout(900_000);

describe('database dumps in the locked restic tier', () => {
  const tb = testbed();
  const core = kubeConfig(tb).makeApiClient(CoreV1Api);
  const id = runId();
  const namespace = `drp-dump-${id}`;
  const password = `restic-${id}-only-for-tests`;
  const repository = resticRepositoryUrl(
    tb.s3.endpoint,
    tb.s3.bucketLocked,
    `drp-dump-${id}`,
  );
  let db: TestDatabase;
  let platform: Platform;
  let cold: string;

  /** The engine on the testbed, with the catalog's database and its services moved into the run's namespace. */
  const engine = (resticRepository = repository) =>
    testbedEngine(tb, {
      platform,
      restic: { repository: resticRepository, password },
    });

  beforeAll(async () => {
    const catalog = await loadPlatform();
    const home = catalog.databases.find(d => d.name === 'nextcloud-db')!;
    const moved = (ns: string) => (ns === home.namespace ? namespace : ns);
    platform = {
      ...catalog,
      databases: catalog.databases.map(d => ({
        ...d,
        namespace: moved(d.namespace),
      })),
      services: catalog.services.map(s => ({
        ...s,
        namespace: moved(s.namespace),
      })),
    };
    cold = await mkdtemp(join(tmpdir(), 'uyoop-cold-'));
    db = await deployCatalogDatabase(tb, namespace, `pw-${id}-Secret`);
    await db.psql('CREATE TABLE files (path text PRIMARY KEY, size bigint)');
    await db.psql(
      "INSERT INTO files SELECT 'docs/' || i || '.odt', i * 4096 FROM generate_series(1, 2000) i",
    );
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await rm(cold, { recursive: true, force: true });
  });

  it('dumps the database into a snapshot tagged with its name and its services, which the RPO reads', async () => {
    const e = await engine();
    const before = await db.fingerprint();
    expect(before).toMatch(/^2000:[0-9a-f]{32}$/);

    const [dump] = await e.dumpDatabases('nextcloud-db');
    expect(dump).toMatchObject({ database: 'nextcloud-db', namespace });
    expect(dump.tags).toEqual(
      expect.arrayContaining(['nextcloud-db', 'pg_dump', 'nextcloud']),
    );
    expect(dump.bytes).toBeGreaterThan(2000 * 20);

    const inventory = await e.inventory();
    expect(inventory.snapshots.map(s => s.id)).toContain(dump.snapshot);
    const nextcloud = inventory.rpo.find(r => r.service === 'nextcloud')!;
    expect(nextcloud.rpoSeconds).toBeLessThan(600);
  });

  it('loads the newest dump back after the table is lost: the same rows', async () => {
    const e = await engine();
    const before = await db.fingerprint();
    await db.psql('DROP TABLE files');
    await expect(db.fingerprint()).rejects.toThrow(/files/);

    const r = await e.restoreDatabase('nextcloud-db');
    expect(r.database).toBe('nextcloud-db');
    expect(await db.fingerprint()).toBe(before);
  });

  it('copies every snapshot to a cold repository on the local disk, and the database loads from it', async () => {
    const e = await engine();
    const copy = await e.coldCopy(cold);
    expect(copy.created).toBe(true);
    const onS3 = (await e.inventory()).snapshots;
    expect(copy.snapshots.length).toBe(onS3.length);

    const again = await e.coldCopy(cold);
    expect(again.created).toBe(false);
    expect(again.snapshots.length).toBe(onS3.length);

    const before = await db.fingerprint();
    await db.psql("DELETE FROM files WHERE path LIKE 'docs/1%'");
    expect(await db.fingerprint()).not.toBe(before);
    await (await engine(cold)).restoreDatabase('nextcloud-db');
    expect(await db.fingerprint()).toBe(before);
  });

  it('keeps no snapshot of a dump that failed, and says which command failed', async () => {
    const e = await engine();
    const count = (await e.inventory()).snapshots.length;
    // The database's pod is gone: kubectl exec finds no StatefulSet to run pg_dump in.
    await tool(tb, 'kubectl', [
      'delete',
      'statefulset',
      'nextcloud-db',
      '-n',
      namespace,
      '--wait=true',
    ]);
    await expect(e.dumpDatabases('nextcloud-db')).rejects.toThrow(
      /pg_dump.*failed \(exit 1\).*(not found|NotFound)/s,
    );
    expect((await e.inventory()).snapshots.length).toBe(count);
  });

  it('names the databases it knows when asked for one it does not, and touches nothing', async () => {
    const e = await engine();
    await expect(e.dumpDatabases('nextclou-db')).rejects.toThrow(
      /no PostgreSQL database nextclou-db in the cluster; the catalog has .*nextcloud-db/,
    );
  });
});
