/**
 * The audit trail: every plugin's auditor also writes each finished event to
 * a table of the backend database, and admins read it through
 * `GET /api/audit/records` and the portal's /audit page.
 */
import { auditorServiceFactory } from './auditor';
import { auditPlugin } from './plugin';

export { auditReadPermission } from './permissions';
export { AuditStore, type AuditRecord } from './store';
export { AuditTrail, auditTrailServiceRef, toRecord } from './trail';
export { auditorServiceFactory, auditPlugin };
export default auditPlugin;
