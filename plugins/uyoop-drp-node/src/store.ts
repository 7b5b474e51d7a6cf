import type { Knex } from 'knex';
import { ConflictError } from '@backstage/errors';
import type { DrillRecord } from '@internal/plugin-uyoop-drp-common';

const migrations: Record<
  string,
  { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }
> = {
  '20261203_01_drills_checks': {
    async up(knex) {
      await knex.schema.createTable('drp_drills', t => {
        t.string('id', 64).primary();
        t.string('namespace', 63).notNullable();
        t.string('status', 16).notNullable();
        t.string('actor', 255).notNullable();
        t.string('started_at', 32).notNullable();
        t.string('finished_at', 32).nullable();
        t.text('record').notNullable();
        t.index(['namespace', 'status'], 'drp_drills_namespace_status');
      });
      await knex.schema.createTable('drp_checks', t => {
        t.bigIncrements('id');
        t.string('at', 32).notNullable();
        t.string('repository', 255).notNullable();
        t.string('subset', 16).notNullable();
        t.boolean('ok').notNullable();
        t.text('output').notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('drp_checks');
      await knex.schema.dropTableIfExists('drp_drills');
    },
  },
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: name => name,
  getMigration: async name => migrations[name],
};

export interface CheckRecord {
  at: string;
  repository: string;
  subset: string;
  ok: boolean;
  output: string;
}

/**
 * Drills and repository checks, on whatever knex the caller gives: the
 * backend's coreServices.database, or a SQLite file for the CLI. A drill is
 * written at every step, so a crash leaves it where it was.
 */
export class DrpStore {
  private constructor(readonly db: Knex) {}

  static async create(db: Knex): Promise<DrpStore> {
    await db.migrate.latest({
      migrationSource,
      tableName: 'drp_knex_migrations',
    });
    return new DrpStore(db);
  }

  /** Stores a new running drill; ConflictError when one already runs on the namespace. */
  async beginDrill(r: DrillRecord): Promise<void> {
    await this.db.transaction(async tx => {
      const running = await tx('drp_drills')
        .where({ namespace: r.namespace, status: 'running' })
        .first('id');
      if (running)
        throw new ConflictError(
          `drill ${running.id} is still running on ${r.namespace}`,
        );
      await tx('drp_drills').insert(this.row(r));
    });
  }

  async saveDrill(r: DrillRecord): Promise<void> {
    await this.db('drp_drills').where({ id: r.id }).update(this.row(r));
  }

  async drill(id: string): Promise<DrillRecord | undefined> {
    const row = await this.db('drp_drills').where({ id }).first();
    return row ? JSON.parse(row.record) : undefined;
  }

  async drills(
    filter: { namespace?: string; status?: string; limit?: number } = {},
  ): Promise<DrillRecord[]> {
    const q = this.db('drp_drills').orderBy('started_at', 'desc');
    if (filter.namespace) q.where('namespace', filter.namespace);
    if (filter.status) q.where('status', filter.status);
    q.limit(filter.limit ?? 100);
    return (await q).map(row => JSON.parse(row.record));
  }

  async recordCheck(c: CheckRecord): Promise<void> {
    await this.db('drp_checks').insert(c);
  }

  async lastChecks(limit = 20): Promise<CheckRecord[]> {
    return (await this.db('drp_checks').orderBy('id', 'desc').limit(limit)).map(
      r => ({ ...r, ok: Boolean(r.ok), id: undefined }),
    );
  }

  private row(r: DrillRecord) {
    return {
      id: r.id,
      namespace: r.namespace,
      status: r.status,
      actor: r.actor,
      started_at: r.startedAt,
      finished_at: r.finishedAt ?? null,
      record: JSON.stringify(r),
    };
  }
}
