/*
 * Integration: the production image. Built from packages/backend/Dockerfile
 * with buildah (chroot isolation, no daemon; scripts/prepare.d/backend-image.sh
 * installs it), then its backend is started inside the image's own root
 * filesystem (`buildah run`: the image's Node, user and /app, the machine's
 * loopback network) with app-config.production.yaml, on a real PostgreSQL and
 * a local OpenID Provider. It must answer readiness and load the catalog that
 * ships inside the image.
 */
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { repoRoot } from '@internal/platform';
import { until } from '@internal/testbed';
import { buildBackendImage, imageContext } from '@internal/ci';
import {
  freePort,
  OidcProvider,
  Postgres,
  Started,
  startOidcProvider,
  startPostgres,
  startProcess,
} from './testing/services';

// A cold build installs every production dependency and compiles the native ones.
jest.setTimeout(60 * 60_000);

const secret = () => randomBytes(24).toString('hex');
const SECRETS = {
  BACKEND_SECRET: secret(),
  POSTGRES_PASSWORD: secret(),
  AUTH_SESSION_SECRET: secret(),
  AUTH_OIDC_CLIENT_SECRET: secret(),
  K8S_SERVICE_ACCOUNT_TOKEN: secret(),
  FINOPS_METRICS_TOKEN: secret(),
  GITLAB_TOKEN: secret(),
};

const q = { quiet: true, verbose: false } as const;

/** Every process below `pid`, children first found through /proc. */
function descendants(pid: number): number[] {
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = tasks.flatMap(tid => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap(child => [child, ...descendants(child)]);
}

/**
 * Stops `buildah run` and the backend it started (which may sit in a session
 * of its own): TERM to all of them, KILL to what is left after 15 s.
 */
async function stopTree(started: Started) {
  const pid = started.pid;
  if (!pid) return;
  const pids = [pid, ...descendants(pid)];
  const signal = (s: NodeJS.Signals) =>
    pids.forEach(p => {
      try {
        process.kill(p, s);
      } catch {
        // already gone
      }
    });
  signal('SIGTERM');
  const exited = await Promise.race([
    started.stop().then(() => true),
    new Promise<boolean>(r => setTimeout(() => r(false), 15_000)),
  ]);
  if (!exited) signal('SIGKILL');
}

describe('the production image', () => {
  let dir: string;
  let image: string;
  let container: string | undefined;
  let postgres: Postgres;
  let oidc: OidcProvider;
  let backend: Started;
  let base: string;
  let readiness: number | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'uyoop-image-'));
    image = await buildBackendImage(imageContext(repoRoot), {
      log: join(dir, 'build.log'),
    });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    postgres = await startPostgres(SECRETS.POSTGRES_PASSWORD);
    oidc = await startOidcProvider({
      clientId: 'uyoop-portal',
      clientSecret: SECRETS.AUTH_OIDC_CLIENT_SECRET,
      redirectUri: `${base}/api/auth/oidc/handler/frame`,
      accounts: {},
    });

    container = (
      await $(q)`buildah from --pull=never --quiet ${image}`
    ).stdout.trim();
    // Only what differs on this machine: the addresses. The catalog is the image's.
    const config = join(dir, 'app-config.local.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        app: { baseUrl: base },
        backend: {
          baseUrl: base,
          listen: `127.0.0.1:${port}`,
          cors: { origin: base },
        },
      }),
    );
    await $(
      q,
    )`buildah copy --chown 1000:1000 ${container} ${config} /app/app-config.local.yaml`;
    const env = {
      ...SECRETS,
      POSTGRES_HOST: postgres.host,
      POSTGRES_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      POSTGRES_DB: 'portal',
      AUTH_OIDC_ISSUER: oidc.issuer,
      AUTH_OIDC_CLIENT_ID: 'uyoop-portal',
      K8S_CA_DATA: Buffer.from('not a real CA').toString('base64'),
    };
    backend = startProcess(
      'buildah',
      [
        'run',
        '--isolation',
        'chroot',
        '--network',
        'host',
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        container,
        '--',
        // The image's command, plus the local addresses.
        'node',
        'packages/backend',
        '--config',
        'app-config.yaml',
        '--config',
        'app-config.production.yaml',
        '--config',
        'app-config.local.yaml',
      ],
      { env: { PATH: process.env.PATH } },
    );
    try {
      readiness = await until(
        'the backend in the image to be ready',
        async () => {
          if (backend.exitCode() !== undefined)
            throw new Error('the backend in the image exited');
          const res = await fetch(
            `${base}/.backstage/health/v1/readiness`,
          ).catch(() => undefined);
          return res?.status === 200 ? res.status : undefined;
        },
        180_000,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- backend output ---\n${backend
          .output()
          .slice(-4000)}`,
      );
    }
  });

  afterAll(async () => {
    if (backend) await stopTree(backend);
    if (container) await $({ ...q, nothrow: true })`buildah rm ${container}`;
    await oidc?.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers readiness with 200 on app-config.production.yaml', () => {
    expect(readiness).toBe(200);
  });

  it('loads the catalog shipped inside the image into PostgreSQL', async () => {
    /** The names of the catalog's entities of a kind, once `wanted` are all among them. */
    const namesOnceHeld = (kind: string, wanted: string[]) =>
      until(
        `${wanted.join(', ')} in the catalog`,
        async () => {
          const rows = await postgres
            .query(
              'backstage_plugin_catalog',
              "select value from search where key = 'metadata.name' and entity_id in (select entity_id from search where key = 'kind' and value = $1) order by value",
              [kind],
            )
            .catch(() => []);
          const names = rows.map(r => r.value as string);
          return wanted.every(w => names.includes(w)) ? names : undefined;
        },
        120_000,
      );
    // core-prod is a Resource of catalog/nodes.yaml, copied into the image.
    expect(await namesOnceHeld('resource', ['core-prod'])).toContain(
      'core-prod',
    );
    // The golden paths' templates ship in the image too, and only they.
    const templates = ['namespace', 'static-site', 'web-service'];
    expect(await namesOnceHeld('template', templates)).toEqual(templates);
  });

  it('runs the backend as the unprivileged node user on the pinned Node', async () => {
    const out = await $(
      q,
    )`buildah run --isolation chroot ${container!} -- sh -c ${'id -un; node -v'}`;
    const versions = imageContext(repoRoot);
    expect(out.stdout.trim().split('\n')).toEqual([
      'node',
      `v${versions.nodeVersion}`,
    ]);
  });
});
