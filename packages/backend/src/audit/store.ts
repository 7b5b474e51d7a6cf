/**
 * The audit trail's table in the backend database (SQLite embedded,
 * PostgreSQL in production): one row per finished audited action, with the
 * plugin, the event, the actor, the target (the event's meta) and the result.
 */
import type { DatabaseService } from '@backstage/backend-plugin-api';

type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

export const AUDIT_TABLE = 'uyoop_audit_records';

/** One audited action as the API returns it. */
export interface AuditRecord {
  id: number;
  /** ISO time the action finished. */
  at: string;
  plugin: string;
  eventId: string;
  severity: string;
  /** `succeeded` or `failed`. */
  status: string;
  /** The user or service entity ref behind the action, when there is one. */
  actor: string | null;
  /** What the action was about (the event's meta). */
  meta: Record<string, unknown>;
  /** Why it failed. */
  error: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export class AuditStore {
  private constructor(private readonly db: Knex) {}

  static async create(db: Knex): Promise<AuditStore> {
    if (!(await db.schema.hasTable(AUDIT_TABLE))) {
      await db.schema.createTable(AUDIT_TABLE, t => {
        t.bigIncrements('id');
        t.string('at', 32).notNullable();
        t.string('plugin', 64).notNullable();
        t.string('event_id', 128).notNullable();
        t.string('severity', 16).notNullable();
        t.string('status', 16).notNullable();
        t.string('actor', 255).nullable();
        t.text('meta').notNullable();
        t.text('error').nullable();
        t.index(['at'], `${AUDIT_TABLE}_at`);
      });
    }
    return new AuditStore(db);
  }

  async add(records: NewAuditRecord[]): Promise<void> {
    if (!records.length) return;
    await this.db(AUDIT_TABLE).insert(
      records.map(r => ({
        at: r.at,
        plugin: r.plugin,
        event_id: r.eventId,
        severity: r.severity,
        status: r.status,
        actor: r.actor,
        meta: JSON.stringify(r.meta),
        error: r.error,
      })),
    );
  }

  /** The newest records first, optionally of one plugin or one actor. */
  async list(
    options: { limit?: number; plugin?: string; actor?: string } = {},
  ): Promise<AuditRecord[]> {
    let q = this.db(AUDIT_TABLE)
      .select()
      .orderBy('id', 'desc')
      .limit(options.limit ?? 200);
    if (options.plugin) q = q.where('plugin', options.plugin);
    if (options.actor) q = q.where('actor', options.actor);
    const rows = await q;
    return rows.map(r => ({
      id: Number(r.id),
      at: r.at,
      plugin: r.plugin,
      eventId: r.event_id,
      severity: r.severity,
      status: r.status,
      actor: r.actor ?? null,
      meta: JSON.parse(r.meta),
      error: r.error ?? null,
    }));
  }
}
