import type { AuditorServiceCreateEventOptions } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  drpDrillPermission,
  drpInPlaceRestorePermission,
  drpScratchRestorePermission,
} from '@internal/plugin-uyoop-drp-common';
import {
  fakeClock,
  FakeCluster,
  testTools,
  unreachableKubeconfig,
} from '@internal/plugin-uyoop-drp-node/src/testUtils';
import {
  DatabaseEngine,
  databaseEngines,
  testDatabases,
} from '@internal/testbed/src/databases';
import { createDrpPlugin, DrpPluginOptions } from './plugin';

const databases = testDatabases();

const developer = 'user:default/guest';
const admin = 'user:default/admin';
const drpAdmin = 'user:default/drp-admin';

/** The portal's rule: drills and in-place restores for drp-admins, scratch restores for admins too. */
const permissions = mockServices.permissions.mock({
  authorize: async (requests, { credentials }) =>
    requests.map(r => {
      const user = (credentials.principal as { userEntityRef?: string })
        .userEntityRef;
      const name = 'permission' in r ? r.permission.name : '';
      const allowed = [
        drpDrillPermission.name,
        drpInPlaceRestorePermission.name,
      ].includes(name)
        ? user === drpAdmin
        : name === drpScratchRestorePermission.name
        ? user === drpAdmin || user === admin
        : true;
      return { result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }),
});

async function start(
  options: DrpPluginOptions,
  engine: DatabaseEngine = 'SQLite',
) {
  const events: {
    options: AuditorServiceCreateEventOptions;
    outcome?: string;
  }[] = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async opts => {
      const e: (typeof events)[number] = { options: opts };
      events.push(e);
      return {
        success: async () => {
          e.outcome = 'success';
        },
        fail: async ({ error }) => {
          e.outcome = `fail: ${error.message}`;
        },
      };
    },
  });
  const backend = await startTestBackend({
    features: [
      createDrpPlugin(options),
      permissions.factory,
      auditor.factory,
      mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
      mockServices.rootConfig.factory({
        data: { backend: { database: await databases.config(engine) } },
      }),
    ],
  });
  const base = `http://127.0.0.1:${
    (backend.server.address() as { port: number }).port
  }/api/drp`;
  const call = (method: string, path: string, user: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: mockCredentials.user.header(user),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  return { backend, call, events };
}

describe.each(databaseEngines)('drp backend routes on %s', engine => {
  let cluster: FakeCluster;
  let app: Awaited<ReturnType<typeof start>>;

  beforeEach(async () => {
    cluster = new FakeCluster();
    cluster.addNamespace('prod-web');
    cluster.addNamespace('prod-cloud');
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    cluster.backUp('nightly-cloud', 'prod-cloud', '2026-06-20T01:00:00Z');
    const clock = fakeClock();
    app = await start(
      {
        runner: cluster.runner,
        env: {},
        overrides: {
          tools: testTools,
          now: clock.now,
          sleep: clock.sleep,
          pollMs: 1000,
        },
      },
      engine,
    );
  });
  afterEach(() => app.backend.stop());

  it('403 for a developer asking for an in-place restore, and nothing restored', async () => {
    const res = await app.call('POST', '/restores', developer, {
      backup: 'nightly',
      namespace: 'prod-web',
      mode: 'in-place',
      confirm: 'prod-web',
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toBe(
      'uyoop.drp.restore.in-place is not granted to user:default/guest',
    );
    expect(cluster.calls.filter(l => l.startsWith('velero restore'))).toEqual(
      [],
    );
  });

  it('403 for an admin asking for a drill: drills are for drp-admins', async () => {
    const res = await app.call('POST', '/drills', admin, {
      namespace: 'prod-web',
    });
    expect(res.status).toBe(403);
    expect(cluster.namespaces.get('prod-web')!.phase).toBe('Active');
  });

  it('202 and an audit record with the actor for a drp-admin restoring in place', async () => {
    const res = await app.call('POST', '/restores', drpAdmin, {
      backup: 'nightly',
      namespace: 'prod-web',
      mode: 'in-place',
      confirm: 'prod-web',
    });
    expect(res.status).toBe(202);
    const plan = await res.json();
    expect(plan).toMatchObject({
      mode: 'in-place',
      targetNamespace: 'prod-web',
      backup: 'nightly',
    });
    expect(cluster.calls).toContain(
      `velero restore create ${plan.restoreName} --from-backup nightly --include-namespaces prod-web --namespace velero`,
    );
    expect(
      app.events.map(e => [
        e.options.eventId,
        e.options.severityLevel,
        e.options.meta,
        e.outcome,
      ]),
    ).toEqual([
      [
        'restore',
        'high',
        {
          actor: drpAdmin,
          mode: 'in-place',
          backup: 'nightly',
          namespace: 'prod-web',
        },
        'success',
      ],
    ]);
  });

  it('202 for an admin restoring into a scratch namespace, mapped from the live one', async () => {
    const res = await app.call('POST', '/restores', admin, {
      backup: 'nightly',
      namespace: 'prod-web',
    });
    expect(res.status).toBe(202);
    const plan = await res.json();
    expect(plan.targetNamespace).toMatch(/^prod-web-restore-/);
    expect(
      cluster.calls.find(l => l.startsWith('velero restore create')),
    ).toContain(`--namespace-mappings prod-web:${plan.targetNamespace}`);
    const progress = await app.call(
      'GET',
      `/restores/${plan.restoreName}`,
      developer,
    );
    expect(progress.status).toBe(200);
    expect((await progress.json()).phase).toBe('InProgress');
  });

  it('400 for an in-place restore without the typed confirmation, recorded as refused', async () => {
    const res = await app.call('POST', '/restores', drpAdmin, {
      backup: 'nightly',
      namespace: 'prod-web',
      mode: 'in-place',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe(
      'an in-place restore replaces prod-web: type its name to confirm',
    );
    expect(app.events[0].outcome).toMatch(/^fail: /);
    expect(cluster.calls.filter(l => l.startsWith('velero restore'))).toEqual(
      [],
    );
  });

  it('404 for an unknown backup', async () => {
    const get = await app.call('GET', '/backups/nope', developer);
    expect(get.status).toBe(404);
    expect((await get.json()).error.message).toBe('no backup named nope');
    const post = await app.call('POST', '/restores', admin, {
      backup: 'nope',
      namespace: 'prod-web',
    });
    expect(post.status).toBe(404);
  });

  it('409 for a second drill on the same namespace, while another namespace can still drill', async () => {
    cluster.hangOn = /^kubectl delete namespace prod-web/;
    const first = await app.call('POST', '/drills', drpAdmin, {
      namespace: 'prod-web',
    });
    expect(first.status).toBe(202);
    const drill = await first.json();
    expect(drill).toMatchObject({
      namespace: 'prod-web',
      status: 'running',
      actor: drpAdmin,
    });
    const second = await app.call('POST', '/drills', drpAdmin, {
      namespace: 'prod-web',
    });
    expect(second.status).toBe(409);
    expect((await second.json()).error.message).toBe(
      `drill ${drill.id} is still running on prod-web`,
    );
    expect(app.events.map(e => [e.options.eventId, e.outcome])).toEqual([
      ['drill', 'success'],
      ['drill', `fail: drill ${drill.id} is still running on prod-web`],
    ]);
    const other = await app.call('POST', '/drills', drpAdmin, {
      namespace: 'prod-cloud',
    });
    expect(other.status).toBe(202);
  });

  it('a drill ends with its record and its HTML report readable by everyone signed in', async () => {
    const res = await app.call('POST', '/drills', drpAdmin, {
      namespace: 'prod-web',
    });
    const { id } = await res.json();
    let record;
    for (let i = 0; i < 200; i++) {
      record = await (await app.call('GET', `/drills/${id}`, developer)).json();
      if (record.status !== 'running') break;
      await new Promise(r => setTimeout(r, 20));
    }
    expect(record).toMatchObject({
      status: 'succeeded',
      backup: 'nightly',
      rtoSeconds: 3,
      rpoSeconds: 8 * 3600,
    });
    const html = await app.call('GET', `/drills/${id}/report.html`, developer);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain(
      '<span class="succeeded">succeeded</span>',
    );
    expect((await app.call('GET', '/drills/unknown', developer)).status).toBe(
      404,
    );
  });
});

describe('drp backend without its cluster', () => {
  it('503 with a clear message when the cluster cannot be reached', async () => {
    const kubeconfig = unreachableKubeconfig();
    const app = await start({ env: { KUBECONFIG: kubeconfig } });
    try {
      const res = await app.call('GET', '/inventory', developer);
      expect(res.status).toBe(503);
      expect((await res.json()).error.message).toMatch(
        /^the cluster cannot be reached: .*127\.0\.0\.1:1.*\(check KUBECONFIG, the S3 endpoint and the network\)$/,
      );
      const drill = await app.call('POST', '/drills', drpAdmin, {
        namespace: 'prod-web',
      });
      expect(drill.status).toBe(503);
    } finally {
      await app.backend.stop();
    }
  });
});
