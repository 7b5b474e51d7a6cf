import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';

/** /audit: the audit trail, readable by admins (uyoop.audit.read). */
const auditPage = PageBlueprint.make({
  params: {
    path: '/audit',
    title: 'Audit trail',
    loader: () => import('./AuditPage').then(m => <m.AuditPage />),
  },
});

export const auditPlugin = createFrontendPlugin({
  pluginId: 'audit',
  title: 'Audit trail',
  extensions: [auditPage],
});
