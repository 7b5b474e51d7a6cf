/*
 * Debian's PostgreSQL server on a free loopback port, in a folder of its own,
 * for the tests that run the portal's stores on production's database. It is
 * stopped by the PID it was started with, and its folder removed.
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
import { runSync, Service, startService } from '@internal/platform';
import { until } from '../index';

/** A port nobody listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  if (versions.length === 0)
    throw new Error(
      'PostgreSQL is not installed: run scripts/prepare.d/postgresql.sh',
    );
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
}

/** Where to reach the server, as knex and pg take it. */
export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface Postgres extends Service, PostgresConnection {
  connection: PostgresConnection;
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
        ? [
            `--reuid=${uid}`,
            `--regid=${gid}`,
            '--clear-groups',
            `${bin}/initdb`,
          ]
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
  const connection = { host: '127.0.0.1', port, user, password };
  const query = async (database: string, sql: string, values?: unknown[]) => {
    const client = new Client({ ...connection, database });
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
    ...connection,
    connection,
    query,
    stop: async () => {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
