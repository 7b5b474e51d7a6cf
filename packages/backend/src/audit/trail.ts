/**
 * The audit trail, shared by every plugin of the backend: the auditor of each
 * plugin (`coreServices.auditor`, replaced by ./auditor) hands its finished
 * events here, and the audit plugin (./plugin) stores them in its table once
 * its database is open. Events that arrive before that wait in memory.
 * Which events become rows: see `toRecord`.
 */
import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { AuditorEvent } from '@backstage/backend-defaults/auditor';
import { AuditStore, NewAuditRecord } from './store';

/**
 * Turns an auditor event into a row. Kept: every failure, and every finished
 * event of medium severity or above (sign-ins, mutations, template runs,
 * ingestions, denied permissions). Not kept: `initiated` events, and the
 * low-severity successes plugins emit for each read (catalog fetches), which
 * stay in the logs.
 */
export function toRecord(
  event: AuditorEvent,
  at = new Date(),
): NewAuditRecord | undefined {
  if (event.status === 'initiated') return undefined;
  if (event.status === 'succeeded' && event.severityLevel === 'low')
    return undefined;
  return {
    at: at.toISOString(),
    plugin: event.plugin,
    eventId: event.eventId,
    severity: event.severityLevel,
    status: event.status,
    actor: event.actor.actorId ?? null,
    meta: { ...(event.meta ?? {}) },
    error: event.status === 'failed' ? event.error.message : null,
  };
}

export class AuditTrail {
  private store?: AuditStore;
  private pending: NewAuditRecord[] = [];
  private writing: Promise<void> = Promise.resolve();

  /** Records a finished event; resolves once it is in the table. */
  record(event: AuditorEvent): Promise<void> {
    const record = toRecord(event);
    if (!record) return Promise.resolve();
    if (!this.store) {
      this.pending.push(record);
      return Promise.resolve();
    }
    return this.write([record]);
  }

  /** Opens the table and writes what waited for it. */
  attach(store: AuditStore): Promise<void> {
    this.store = store;
    const waiting = this.pending;
    this.pending = [];
    return this.write(waiting);
  }

  /** Writes in order, one batch after the other. */
  private write(records: NewAuditRecord[]): Promise<void> {
    const store = this.store!;
    this.writing = this.writing.then(() => store.add(records));
    return this.writing;
  }
}

export const auditTrailServiceRef = createServiceRef<AuditTrail>({
  id: 'uyoop.audit.trail',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new AuditTrail(),
    }),
});
