import { createPermission } from '@backstage/plugin-permission-common';

/** Inventory, preflight, drills and their reports: everyone signed in. */
export const drpReadPermission = createPermission({
  name: 'uyoop.drp.read',
  attributes: { action: 'read' },
});

/** A restore into a scratch namespace (the default target): admins. */
export const drpScratchRestorePermission = createPermission({
  name: 'uyoop.drp.restore.scratch',
  attributes: { action: 'create' },
});

/** A restore over the live namespace: drp-admins, with a typed confirmation. */
export const drpInPlaceRestorePermission = createPermission({
  name: 'uyoop.drp.restore.in-place',
  attributes: { action: 'update' },
});

/**
 * A drill deletes a namespace on purpose and restores it: drp-admins. The
 * name is the one the portal's permission policy grants
 * (packages/backend/src/permissionPolicy.ts).
 */
export const drpDrillPermission = createPermission({
  name: 'uyoop.drp.drill.run',
  attributes: { action: 'delete' },
});

export const drpPermissions = [
  drpReadPermission,
  drpScratchRestorePermission,
  drpInPlaceRestorePermission,
  drpDrillPermission,
];
