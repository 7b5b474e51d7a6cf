/*
 * The audit trail in a running backend: the real permission plugin with the
 * portal's policy, the FinOps plugin, the audit plugin and the auditor that
 * writes every plugin's events to its table, on SQLite (the embedded
 * default) and on PostgreSQL (production).
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import finopsPlugin from '@internal/plugin-uyoop-finops-backend';
import {
  BackendDatabaseConfig,
  databaseEngines,
  testDatabases,
} from '@internal/testbed/src/databases';
import policyModule from '../permissionPolicy';
import { auditorServiceFactory, auditPlugin, AuditRecord } from '.';

jest.setTimeout(120_000);

const GROUPS: Record<string, string[]> = {
  'user:default/fiona': ['group:default/finance'],
  'user:default/dave': ['group:default/developers'],
  'user:default/ada': ['group:default/admins'],
};

const databases = testDatabases();

describe.each(databaseEngines)('the audit trail on %s', engine => {
  let base: string;
  let stop: () => Promise<void>;
  let database: BackendDatabaseConfig;

  const call = (user: string, path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        Authorization: mockCredentials.user.header(user),
        'Content-Type': 'application/json',
      },
    });

  beforeAll(async () => {
    database = await databases.config(engine);
    const backend = await startTestBackend({
      features: [
        permissionPlugin,
        policyModule,
        finopsPlugin,
        auditPlugin,
        auditorServiceFactory,
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.userInfo.mock({
          async getUserInfo(credentials) {
            const ref = (credentials.principal as { userEntityRef: string })
              .userEntityRef;
            return {
              userEntityRef: ref,
              ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
            };
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            backend: { database },
          },
        }),
      ],
    });
    base = `http://127.0.0.1:${
      (backend.server.address() as { port: number }).port
    }`;
    stop = () => backend.stop();
  });

  afterAll(() => stop?.());

  it('records an ingestion with its actor and months, which an admin then reads', async () => {
    const ingest = await call('user:default/fiona', '/api/finops/ingest', {
      method: 'POST',
      body: JSON.stringify({ periods: ['2026-10'] }),
    });
    expect(ingest.status).toBe(200);

    const res = await call('user:default/ada', '/api/audit/records');
    expect(res.status).toBe(200);
    const { records } = (await res.json()) as { records: AuditRecord[] };
    expect(records).toContainEqual(
      expect.objectContaining({
        plugin: 'finops',
        eventId: 'ingest',
        status: 'succeeded',
        actor: 'user:default/fiona',
        meta: expect.objectContaining({
          periods: ['2026-10'],
          ingested: ['2026-10'],
        }),
      }),
    );
    // Allowed decisions are low-severity: in the logs, not in the table.
    expect(
      records.filter(
        r => r.plugin === 'permission' && r.meta.user === 'user:default/fiona',
      ),
    ).toEqual([]);
    const ids = records.map(r => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    if (database.client === 'pg') {
      // On production's database, the record is in the audit plugin's own database.
      const rows = await databases.pluginRows(
        database,
        'audit',
        `select actor from uyoop_audit_records where plugin = 'finops' and event_id = 'ingest'`,
      );
      expect(rows).toContainEqual({ actor: 'user:default/fiona' });
    }
  });

  it('records a refused ingestion as failed, with the reason', async () => {
    const res = await call('user:default/dave', '/api/finops/ingest', {
      method: 'POST',
      body: JSON.stringify({ periods: ['2026-10'] }),
    });
    expect(res.status).toBe(403);
    const read = await call(
      'user:default/ada',
      '/api/audit/records?plugin=permission',
    );
    const { records } = (await read.json()) as { records: AuditRecord[] };
    expect(records[0]).toMatchObject({
      status: 'failed',
      meta: { permission: 'uyoop.finops.ingest', user: 'user:default/dave' },
      error: expect.stringContaining(
        'it needs group:default/finance or group:default/admins',
      ),
    });
  });

  it('refuses the trail to anyone but admins, saying why', async () => {
    for (const user of ['user:default/dave', 'user:default/fiona']) {
      const res = await call(user, '/api/audit/records');
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 403,
        body: {
          error: {
            name: 'NotAllowedError',
            message:
              'uyoop.audit.read is not granted: the audit trail is for admins',
          },
        },
      });
    }
  });

  it('answers a bad limit with a clear error', async () => {
    const res = await call('user:default/ada', '/api/audit/records?limit=all');
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe(
      'limit must be a whole number from 1 to 1000, got "all"',
    );
  });
});
