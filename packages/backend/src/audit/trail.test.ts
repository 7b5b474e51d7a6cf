import type { AuditorEvent } from '@backstage/backend-defaults/auditor';
import { AuditStore } from './store';
import { AuditTrail } from './trail';
import {
  databaseEngines,
  testDatabases,
} from '@internal/testbed/src/databases';

jest.setTimeout(60_000);

const event = (status: 'initiated' | 'succeeded' | 'failed', n: number) =>
  ({
    plugin: 'finops',
    eventId: 'ingest',
    severityLevel: 'medium',
    actor: { actorId: `user:default/u${n}` },
    meta: { periods: [`2026-0${n}`] },
    status,
    ...(status === 'failed' ? { error: new Error('OVH answered 503') } : {}),
  } as AuditorEvent);

const databases = testDatabases();

describe.each(databaseEngines)('the audit trail on %s', engine => {
  it('keeps what happened before its table opened, in order, and only finished events that matter', async () => {
    const trail = new AuditTrail();
    await trail.record(event('initiated', 1));
    await trail.record(event('succeeded', 1));
    await trail.record(event('failed', 2));
    // A low-severity success (a catalog read) stays in the logs only.
    await trail.record({ ...event('succeeded', 4), severityLevel: 'low' });
    const store = await AuditStore.create(await databases.knex(engine));
    await trail.attach(store);
    await trail.record(event('succeeded', 3));

    const records = await store.list();
    expect(
      records.map(r => [r.actor, r.status, r.meta.periods, r.error]),
    ).toEqual([
      ['user:default/u3', 'succeeded', ['2026-03'], null],
      ['user:default/u2', 'failed', ['2026-02'], 'OVH answered 503'],
      ['user:default/u1', 'succeeded', ['2026-01'], null],
    ]);
    expect(await store.list({ actor: 'user:default/u2' })).toHaveLength(1);
    expect(await store.list({ limit: 1 })).toHaveLength(1);
  });
});
