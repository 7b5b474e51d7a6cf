import { ConflictError, NotFoundError } from '@backstage/errors';
import { sqliteKnex } from '@internal/platform';
import { closeEngines, engineOn, fakeClock, FakeCluster } from './testUtils';

// The first test of the file loads the engine and SQLite: seconds on a loaded machine.
jest.setTimeout(60_000);

afterAll(closeEngines);

const probe = {
  name: 'rows',
  selector: 'app=app',
  command: ['sh', '-c', 'count-rows'],
};

function shop() {
  const c = new FakeCluster();
  c.addNamespace('prod-web', { 'count-rows': '42\n' });
  return c;
}

describe('drills', () => {
  it('deletes the namespace, restores it from the last good backup, finds it identical and records RTO and RPO', async () => {
    const cluster = shop();
    cluster.backUp('nightly-old', 'prod-web', '2026-06-19T01:00:00Z');
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    cluster.backUp(
      'nightly-failed',
      'prod-web',
      '2026-06-20T08:00:00Z',
      'Failed',
    );
    const { engine } = await engineOn(cluster);

    const { record, done } = await engine.startDrill({
      namespace: 'prod-web',
      actor: 'user:default/drp-admin',
      probes: [probe],
    });
    expect(record.status).toBe('running');
    const r = await done;

    expect(r.error).toBeUndefined();
    expect(r.status).toBe('succeeded');
    expect(r.backup).toBe('nightly');
    expect(r.timeline.map(s => s.step)).toEqual([
      'choose-backup',
      'fingerprint-before',
      'delete-namespace',
      'namespace-gone',
      'restore-started',
      'restore-completed',
      'pods-ready',
      'fingerprint-after',
    ]);
    // RPO: drill start (09:00) minus the backup used (01:00).
    expect(r.rpoSeconds).toBe(8 * 3600);
    // RTO: three polls of 1 s, while the namespace terminated and the restore ran.
    expect(r.rtoSeconds).toBe(3);
    expect(r.diff).toEqual({ missing: [], extra: [], changed: [] });
    expect(Object.keys(r.before!.objects)).toEqual([
      'ConfigMap/settings',
      'Deployment.apps/app',
      'Secret/db',
    ]);
    // The restore is in place, with no namespace mapping, after the namespace was gone.
    const deleted = cluster.calls.findIndex(l =>
      l.startsWith('kubectl delete namespace prod-web'),
    );
    const restored = cluster.calls.findIndex(l =>
      l.startsWith('velero restore create'),
    );
    expect(cluster.calls[restored]).toBe(
      'velero restore create nightly-drill-t1 --from-backup nightly --include-namespaces prod-web --namespace velero',
    );
    expect(deleted).toBeLessThan(restored);
    expect(await engine.drill(r.id)).toEqual(r);
  });

  it('fails, naming what differs, when the restored data is not what was deleted', async () => {
    const cluster = shop();
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    // Rows written after the backup are lost by the restore: the drill says so.
    cluster.namespaces.get('prod-web')!.data['count-rows'] = '43\n';
    const { engine } = await engineOn(cluster);
    const { done } = await engine.startDrill({
      namespace: 'prod-web',
      actor: 'a',
      probes: [probe],
    });
    const r = await done;
    expect(r.status).toBe('failed');
    expect(r.error).toBe('the restored namespace differs: changed data:rows');
    expect(r.rtoSeconds).toBe(3);
  });

  it('refuses a second drill on a namespace while one runs (409), and leaves the first alone', async () => {
    const cluster = shop();
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    cluster.hangOn = /^kubectl delete namespace/;
    const { engine } = await engineOn(cluster);
    const first = await engine.startDrill({
      namespace: 'prod-web',
      actor: 'a',
    });
    await expect(
      engine.startDrill({ namespace: 'prod-web', actor: 'b' }),
    ).rejects.toThrow(ConflictError);
    await expect(
      engine.startDrill({ namespace: 'prod-web', actor: 'b' }),
    ).rejects.toThrow(`drill ${first.record.id} is still running on prod-web`);
    expect(await engine.drills()).toHaveLength(1);
  });

  it('refuses a drill on a namespace that does not exist, and stores nothing', async () => {
    const { engine } = await engineOn(shop());
    await expect(
      engine.startDrill({ namespace: 'prod-nope', actor: 'a' }),
    ).rejects.toThrow(NotFoundError);
    expect(await engine.drills()).toEqual([]);
  });

  it('fails without deleting anything when no good backup holds the namespace', async () => {
    const cluster = shop();
    cluster.backUp(
      'broken',
      'prod-web',
      '2026-06-20T01:00:00Z',
      'PartiallyFailed',
    );
    const { engine } = await engineOn(cluster);
    const r = await (
      await engine.startDrill({ namespace: 'prod-web', actor: 'a' })
    ).done;
    expect(r.status).toBe('failed');
    expect(r.error).toBe(
      'no Completed backup holds prod-web: back it up first (yarn drp backup prod-web)',
    );
    expect(cluster.calls.some(l => l.includes('delete'))).toBe(false);
    expect(cluster.namespaces.get('prod-web')!.phase).toBe('Active');
  });

  describe('after the process died mid-drill', () => {
    it('resumes a drill whose namespace was deleted: the restore is started and the drill ends succeeded', async () => {
      const db = sqliteKnex(':memory:');
      const clock = fakeClock();
      const cluster = shop();
      cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
      // The first process dies as it starts the restore.
      cluster.hangOn = /^velero restore create/;
      const first = await engineOn(cluster, { db, clock });
      const { record } = await first.engine.startDrill({
        namespace: 'prod-web',
        actor: 'a',
        probes: [probe],
      });
      while (!cluster.calls.some(l => l.startsWith('velero restore create')))
        await new Promise(r => setImmediate(r));
      expect(cluster.namespaces.has('prod-web')).toBe(false);
      expect((await first.engine.drill(record.id)).status).toBe('running');

      cluster.hangOn = undefined;
      const second = await engineOn(cluster, { db, clock });
      const [r] = await second.engine.recoverDrills([probe]);
      expect(r.id).toBe(record.id);
      expect(r.status).toBe('succeeded');
      expect(r.timeline.some(s => s.detail === 'resumed after a restart')).toBe(
        true,
      );
      expect(cluster.namespaces.get('prod-web')?.phase).toBe('Active');
      expect(
        cluster.calls.filter(l => l.startsWith('velero restore create')),
      ).toHaveLength(2);
      expect(r.diff).toEqual({ missing: [], extra: [], changed: [] });
    });

    it('marks failed, with its reason, a drill that died before the delete, and touches nothing', async () => {
      const db = sqliteKnex(':memory:');
      const cluster = shop();
      cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
      cluster.hangOn = /^kubectl api-resources/;
      const first = await engineOn(cluster, { db });
      const { record } = await first.engine.startDrill({
        namespace: 'prod-web',
        actor: 'a',
      });
      while (!cluster.calls.some(l => l.startsWith('kubectl api-resources')))
        await new Promise(r => setImmediate(r));

      cluster.hangOn = undefined;
      const second = await engineOn(cluster, {
        db,
        newId: () => 'after-restart',
      });
      const [r] = await second.engine.recoverDrills();
      expect(r).toMatchObject({
        id: record.id,
        status: 'failed',
        error:
          'interrupted at choose-backup by a restart, before the namespace was deleted: nothing was changed',
      });
      expect(
        cluster.calls.some(
          l => l.includes('delete') || l.startsWith('velero restore'),
        ),
      ).toBe(false);
      expect(cluster.namespaces.get('prod-web')!.phase).toBe('Active');
      // A new drill can start again, and runs to its end.
      const again = await second.engine.startDrill({
        namespace: 'prod-web',
        actor: 'a',
      });
      expect((await again.done).status).toBe('succeeded');
    });
  });
});
