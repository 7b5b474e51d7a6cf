/*
 * The real services the production-mode test starts on loopback ports:
 * Debian's PostgreSQL server and a local OpenID Provider standing in for
 * Authelia. Each is stopped by the PID it was started with.
 */
import {
  chownSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { repoRoot, runSync, Service, startService } from '@internal/platform';
import { until } from '@internal/testbed';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A started child process, its output, and how to stop it. */
export type Started = Service;

/** Starts `command` in a process group of its own, with exactly `env` when given. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Started {
  return startService({
    cmd: command,
    args,
    cwd: options.cwd,
    env: options.env,
    replaceEnv: options.env !== undefined,
  });
}

/** The backend package, started by the Backstage CLI with these config files. */
export function startBackend(
  configs: string[],
  env: NodeJS.ProcessEnv,
): Started {
  return startProcess(
    process.execPath,
    [
      join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli'),
      'package',
      'start',
      ...configs.flatMap(config => ['--config', config]),
    ],
    { cwd: join(repoRoot, 'packages/backend'), env },
  );
}

function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  if (versions.length === 0)
    throw new Error(
      'PostgreSQL is not installed: run scripts/prepare.d/postgresql.sh',
    );
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
}

export interface Postgres extends Started {
  host: string;
  port: number;
  user: string;
  password: string;
  query: (database: string, sql: string, values?: unknown[]) => Promise<any[]>;
}

/** initdb + the postgres server on a free loopback port, in a fresh folder. */
export async function startPostgres(password: string): Promise<Postgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'uyoop-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password, { mode: 0o600 });
  // PostgreSQL refuses to run as root: run it as the package's postgres user.
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot
    ? Number(runSync('id', ['-u', 'postgres']).stdout)
    : undefined;
  const gid = asRoot
    ? Number(runSync('id', ['-g', 'postgres']).stdout)
    : undefined;
  if (asRoot) {
    chownSync(dir, uid!, gid!);
    chownSync(pwfile, uid!, gid!);
  }
  const user = 'portal';
  // initdb as that user too: the data folder must be its own.
  runSync(
    asRoot ? 'setpriv' : `${bin}/initdb`,
    [
      ...(asRoot
        ? [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', `${bin}/initdb`]
        : []),
      '-D',
      data,
      '-U',
      user,
      `--pwfile=${pwfile}`,
      '-A',
      'scram-sha-256',
    ],
    { timeoutMs: 120_000 },
  );
  rmSync(pwfile);
  const port = await freePort();
  const handle = startService({
    cmd: `${bin}/postgres`,
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    uid,
    gid,
  });
  const query = async (database: string, sql: string, values?: unknown[]) => {
    const client = new Client({
      host: '127.0.0.1',
      port,
      user,
      password,
      database,
    });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  await until(
    'PostgreSQL to accept connections',
    async () => {
      if (handle.exitCode() !== undefined)
        throw new Error(`postgres exited:\n${handle.output()}`);
      return query('postgres', 'select 1').then(
        () => true,
        () => undefined,
      );
    },
    30_000,
  );
  return {
    ...handle,
    host: '127.0.0.1',
    port,
    user,
    password,
    query,
    stop: async () => {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OidcAccount {
  email: string;
  name: string;
  groups?: string[];
}

export interface OidcProvider extends Started {
  issuer: string;
}

/** The local OpenID Provider (./oidcProvider.mjs) on a free loopback port. */
export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: Record<string, OidcAccount>;
}): Promise<OidcProvider> {
  const port = await freePort();
  const handle = startProcess(
    process.execPath,
    [join(__dirname, 'oidcProvider.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        OIDC_PORT: String(port),
        OIDC_CLIENT_ID: options.clientId,
        OIDC_CLIENT_SECRET: options.clientSecret,
        OIDC_REDIRECT_URI: options.redirectUri,
        OIDC_ACCOUNTS: JSON.stringify(options.accounts),
      },
    },
  );
  await until(
    'the OIDC provider to listen',
    async () => {
      if (handle.exitCode() !== undefined)
        throw new Error(`OIDC provider exited:\n${handle.output()}`);
      return handle.output().includes('listening') ? true : undefined;
    },
    30_000,
  );
  return { ...handle, issuer: `http://127.0.0.1:${port}` };
}
