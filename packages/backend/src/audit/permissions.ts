import { createPermission } from '@backstage/plugin-permission-common';

/** Reading the audit trail: admins only (packages/backend/src/permissionPolicy.ts). */
export const auditReadPermission = createPermission({
  name: 'uyoop.audit.read',
  attributes: { action: 'read' },
});
