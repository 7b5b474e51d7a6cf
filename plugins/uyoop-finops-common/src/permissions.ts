import { createPermission } from '@backstage/plugin-permission-common';

/** Cost reports, budgets and forecasts: everyone signed in. */
export const finopsReadPermission = createPermission({
  name: 'uyoop.finops.read',
  attributes: { action: 'read' },
});

/** Invoice detail (bills and their lines): finance and admins only. */
export const finopsInvoiceReadPermission = createPermission({
  name: 'uyoop.finops.invoice.read',
  attributes: { action: 'read' },
});

/** Running an ingestion on demand. */
export const finopsIngestPermission = createPermission({
  name: 'uyoop.finops.ingest',
  attributes: { action: 'update' },
});

export const finopsPermissions = [
  finopsReadPermission,
  finopsInvoiceReadPermission,
  finopsIngestPermission,
];
