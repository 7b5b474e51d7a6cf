import type { Knex } from 'knex';

/**
 * Schema migrations, in code so that the backend (coreServices.database),
 * the CLI (a local SQLite file) and the bench share them as they are.
 */
const migrations: Record<
  string,
  { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }
> = {
  '20261126_01_cost_lines': {
    async up(knex) {
      await knex.schema.createTable('finops_cost_lines', t => {
        t.bigIncrements('id');
        t.string('period', 7).notNullable();
        t.string('date', 32).notNullable();
        t.string('source', 32).notNullable();
        t.string('external_id', 255).notNullable();
        t.string('category', 16).notNullable();
        t.string('node', 63).nullable();
        t.string('service', 63).nullable();
        t.text('description').notNullable();
        // Micro-euros: exact sums of many small hourly lines.
        t.bigInteger('ht_micro').notNullable();
        t.bigInteger('vat_micro').notNullable();
        t.bigInteger('ttc_micro').notNullable();
        t.float('vat_rate').notNullable();
        t.string('currency', 3).notNullable();
        t.boolean('estimate').notNullable();
        t.string('bill_id', 64).nullable();
        t.unique(['source', 'period', 'external_id'], {
          indexName: 'finops_cost_lines_identity',
        });
        t.index(['period'], 'finops_cost_lines_period');
        t.index(['bill_id'], 'finops_cost_lines_bill');
      });
      // Monthly rollup, rebuilt for the touched periods at every ingestion.
      await knex.schema.createTable('finops_monthly', t => {
        t.string('period', 7).notNullable();
        t.string('source', 32).notNullable();
        t.string('category', 16).notNullable();
        t.string('node', 63).notNullable();
        t.string('service', 63).notNullable();
        t.boolean('estimate').notNullable();
        t.bigInteger('ht_micro').notNullable();
        t.bigInteger('vat_micro').notNullable();
        t.bigInteger('ttc_micro').notNullable();
        t.integer('lines').notNullable();
        t.primary([
          'period',
          'source',
          'category',
          'node',
          'service',
          'estimate',
        ]);
      });
      await knex.schema.createTable('finops_allocations', t => {
        t.string('period', 7).notNullable();
        t.string('node', 63).notNullable();
        t.string('namespace', 63).notNullable();
        t.string('service', 63).notNullable();
        t.string('system', 63).nullable();
        t.string('owner', 63).nullable();
        t.double('share').notNullable();
        t.string('method', 32).notNullable();
        t.primary(['period', 'node', 'namespace', 'service']);
      });
      await knex.schema.createTable('finops_ingestions', t => {
        t.bigIncrements('id');
        t.string('started_at', 32).notNullable();
        t.string('finished_at', 32).nullable();
        t.string('periods', 255).notNullable();
        t.string('sources', 255).notNullable();
        t.integer('lines').notNullable();
        t.string('status', 16).notNullable();
        t.text('message').nullable();
      });
    },
    async down(knex) {
      for (const t of [
        'finops_ingestions',
        'finops_allocations',
        'finops_monthly',
        'finops_cost_lines',
      ])
        await knex.schema.dropTableIfExists(t);
    },
  },
  '20261202_01_periods_snapshots_metrics': {
    async up(knex) {
      // Whether a month can still change: provisional until its final bill.
      await knex.schema.createTable('finops_periods', t => {
        t.string('period', 7).primary();
        t.string('status', 16).notNullable();
        t.string('updated_at', 32).notNullable();
      });
      // The cluster's requests observed during a month, so that re-ingesting
      // the month later allocates it as it was, not with today's cluster.
      await knex.schema.createTable('finops_cluster_snapshots', t => {
        t.string('period', 7).primary();
        t.string('taken_at', 32).notNullable();
        t.text('usage').notNullable();
      });
      // Gauges computed by the scheduled task; a scrape only reads them.
      await knex.schema.createTable('finops_metric_samples', t => {
        t.bigIncrements('id');
        t.string('name', 128).notNullable();
        t.text('labels').notNullable();
        t.double('value').notNullable();
        t.string('refreshed_at', 32).notNullable();
      });
    },
    async down(knex) {
      for (const t of [
        'finops_metric_samples',
        'finops_cluster_snapshots',
        'finops_periods',
      ])
        await knex.schema.dropTableIfExists(t);
    },
  },
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: name => name,
  getMigration: async name => migrations[name],
};

export async function migrate(knex: Knex) {
  await knex.migrate.latest({
    migrationSource,
    tableName: 'finops_knex_migrations',
  });
}
