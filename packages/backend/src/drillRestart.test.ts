/*
 * Crash safety of a chaos-day drill, with the real backend process on the
 * testbed (yarn testbed up): a drp-admin starts a drill through the API, the
 * backend is killed with SIGKILL once the drill has deleted the namespace,
 * and the backend started again on the same database resumes it: the
 * namespace is restored, its data is back, and the drill ends succeeded,
 * saying it was resumed. Nothing is left without its restore.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, Service } from '@internal/platform';
import { runId, testbed, tool, until } from '@internal/testbed';
import { podBody } from '@internal/testbed/src/pods';
import { drpTestbedEnv, freePort, startBackend } from './testing/services';

jest.setTimeout(900_000);

/** What the DRP API answers for a drill (the fields this test reads). */
interface DrillRecord {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  error?: string;
  rtoSeconds?: number;
  timeline: { step: string; detail?: string }[];
}

describe('a drill interrupted by the backend being killed', () => {
  const tb = testbed();
  const namespace = `drp-crash-${runId()}`;
  const backup = `${namespace}-b`;
  const dir = mkdtempSync(join(tmpdir(), 'uyoop-drill-restart-'));
  const podFile = join(dir, 'pod.json');
  const kubectl = (args: string[]) => tool(tb, 'kubectl', args);
  let baseUrl: string;
  let backend: Service | undefined;
  let token: string;

  /** The backend on the embedded default, its databases in files of `dir`, guests signed in as a drp-admin. */
  async function start() {
    backend = startBackend(
      [
        join(repoRoot, 'app-config.yaml'),
        join(repoRoot, 'app-config.guest.yaml'),
        join(dir, 'app-config.test.yaml'),
      ],
      {
        ...process.env,
        NODE_ENV: 'development',
        NO_COLOR: '1',
        ...drpTestbedEnv(tb),
      },
    );
    const b = backend;
    try {
      await until(
        'backend readiness',
        async () => {
          if (b.exitCode() !== undefined) throw new Error('the backend exited');
          const res = await fetch(
            `${baseUrl}/.backstage/health/v1/readiness`,
          ).catch(() => undefined);
          return res?.ok ? true : undefined;
        },
        180_000,
      );
      // The guest's identity carries its groups once the catalog holds the user.
      token = await until(
        'a guest identity in drp-admins',
        async () => {
          const res = await fetch(
            `${baseUrl}/api/auth/guest/refresh?env=development`,
            { headers: { 'x-requested-with': 'XMLHttpRequest' } },
          );
          if (!res.ok) return undefined;
          const { backstageIdentity } = await res.json();
          return backstageIdentity.identity.ownershipEntityRefs.includes(
            'group:default/drp-admins',
          )
            ? (backstageIdentity.token as string)
            : undefined;
        },
        120_000,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- backend output ---\n${b
          .output()
          .slice(-3000)}`,
      );
    }
  }

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${baseUrl}/api/drp${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  const namespacePhase = async () =>
    (
      await kubectl([
        'get',
        'namespace',
        namespace,
        '--ignore-not-found',
        '-o',
        'jsonpath={.status.phase}',
      ])
    ).trim();

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'app-config.test.yaml'),
      JSON.stringify({
        backend: {
          baseUrl,
          listen: { port },
          database: {
            client: 'better-sqlite3',
            connection: { directory: join(dir, 'db') },
          },
        },
        auth: {
          providers: { guest: { userEntityRef: 'user:default/cjenkins' } },
        },
      }),
    );
    writeFileSync(
      podFile,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        ...podBody({ namespace, name: 'app', node: 'core-prod' }),
      }),
    );
    await kubectl(['create', 'namespace', namespace]);
    await kubectl([
      'create',
      'configmap',
      'settings',
      '-n',
      namespace,
      `--from-literal=url=https://${namespace}.uyoop.fr`,
    ]);
    // A pod: the namespace takes a moment to go, and the restore to be Ready.
    await kubectl(['apply', '-n', namespace, '-f', podFile]);
    await kubectl([
      'wait',
      '-n',
      namespace,
      '--for=condition=Ready',
      'pod/app',
      '--timeout=180s',
    ]);
    await tool(tb, 'velero', [
      'backup',
      'create',
      backup,
      '--include-namespaces',
      namespace,
      '--wait',
    ]);
    await start();
  });

  afterAll(async () => {
    await backend?.stop();
    await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(
      () => undefined,
    );
    await tool(tb, 'velero', ['backup', 'delete', backup, '--confirm']).catch(
      () => undefined,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the drill after a restart: the namespace and its data are back, and the drill says it was resumed', async () => {
    const started: DrillRecord = await api('/drills', {
      method: 'POST',
      body: JSON.stringify({ namespace, backup }),
    });
    // Killed once the namespace is really being deleted: only the resumed
    // drill can bring its data back.
    const before = await until(
      'the drill to delete the namespace',
      async () => {
        const d: DrillRecord = await api(`/drills/${started.id}`);
        return d.status !== 'running' ||
          (d.timeline.some(s => s.step === 'delete-namespace') &&
            (await namespacePhase()) !== 'Active')
          ? d
          : undefined;
      },
      120_000,
    );
    expect(before.status).toBe('running');
    process.kill(-backend!.pid, 'SIGKILL');
    await backend!.exited;

    await start();
    const done = await until(
      'the drill to end',
      async () => {
        const d: DrillRecord = await api(`/drills/${started.id}`);
        return d.status === 'running' ? undefined : d;
      },
      600_000,
    );
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(done.timeline.map(s => s.detail)).toContain(
      'resumed after a restart',
    );
    expect(done.rtoSeconds).toBeGreaterThan(0);
    expect(await namespacePhase()).toBe('Active');
    expect(
      await kubectl([
        'get',
        'configmap',
        'settings',
        '-n',
        namespace,
        '-o',
        'jsonpath={.data.url}',
      ]),
    ).toBe(`https://${namespace}.uyoop.fr`);
    const drills: DrillRecord[] = await api(`/drills?namespace=${namespace}`);
    expect(drills.map(d => d.id)).toEqual([started.id]);
  });
});
