/*
 * The databases the portal runs on, for tests that must pass on both:
 * SQLite in memory (the embedded default) and Debian's PostgreSQL server
 * (production), started on a loopback port the first time a test file asks
 * for it and stopped after that file. Every call hands out databases of its
 * own, so tests never see each other's rows.
 *
 *   const databases = testDatabases();            // at the top of the file
 *   describe.each(databaseEngines)('on %s', engine => { ...
 *     const db = await databases.knex(engine);                 // a store
 *     backend: { database: await databases.config(engine) }   // a backend
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { Knex } from 'knex';
import { sqliteKnex } from '@internal/platform';
import { Postgres, startPostgres } from './postgresServer';

export { freePort, startPostgres } from './postgresServer';
export type { Postgres, PostgresConnection } from './postgresServer';

export const databaseEngines = ['SQLite', 'PostgreSQL'] as const;
export type DatabaseEngine = (typeof databaseEngines)[number];

/** `backend.database` of app-config. */
export type BackendDatabaseConfig =
  | { client: 'better-sqlite3'; connection: ':memory:' }
  | {
      client: 'pg';
      connection: {
        host: string;
        port: number;
        user: string;
        password: string;
      };
      prefix: string;
    };

export interface TestDatabases {
  /** `backend.database` for a test backend: each plugin gets a fresh database. */
  config(engine: DatabaseEngine): Promise<BackendDatabaseConfig>;
  /** A fresh, empty database, closed after the test file. */
  knex(engine: DatabaseEngine): Promise<Knex>;
  /**
   * Rows of `sql` in the database a PostgreSQL `config` gave a plugin, read
   * straight from the server: proof that its store really lives there.
   */
  pluginRows(
    config: BackendDatabaseConfig,
    pluginId: string,
    sql: string,
  ): Promise<any[]>;
}

/** Call once at the top of a test file: it registers the file's clean-up. */
export function testDatabases(): TestDatabases {
  let server: Promise<Postgres> | undefined;
  const opened: Knex[] = [];
  let count = 0;
  const postgres = () =>
    (server ??= startPostgres(randomBytes(18).toString('hex')));
  const freshName = () => `uyoop_test_${++count}`;

  afterAll(async () => {
    await Promise.all(opened.map(k => k.destroy()));
    if (server) await (await server).stop();
  }, 60_000);

  return {
    async config(engine) {
      if (engine === 'SQLite')
        return { client: 'better-sqlite3', connection: ':memory:' };
      const pg = await postgres();
      return {
        client: 'pg',
        connection: pg.connection,
        prefix: `${freshName()}_`,
      };
    },
    async knex(engine) {
      let db: Knex;
      if (engine === 'SQLite') db = sqliteKnex(':memory:');
      else {
        const pg = await postgres();
        const database = freshName();
        await pg.query('postgres', `CREATE DATABASE ${database}`);
        db = knexFactory({
          client: 'pg',
          connection: { ...pg.connection, database },
        });
      }
      opened.push(db);
      return db;
    },
    async pluginRows(config, pluginId, sql) {
      if (config.client !== 'pg' || !server)
        throw new Error('pluginRows reads a PostgreSQL database only');
      return (await server).query(`${config.prefix}${pluginId}`, sql);
    },
  };
}
