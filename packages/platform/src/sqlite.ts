import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { Knex } from 'knex';

/**
 * A SQLite knex for the command-line tools, tests and benchmarks
 * (':memory:' or a file, its folder created). The backend uses
 * coreServices.database instead; both run the same migrations.
 */
export function sqliteKnex(filename: string): Knex {
  if (filename !== ':memory:')
    mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
  });
}
