/**
 * The portal's permission policy (a module of the permission plugin): invoice
 * detail is kept for the groups `finance` and `admins`; everything else is
 * allowed, as the allow-all policy did before.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { finopsInvoiceReadPermission } from '@internal/plugin-uyoop-finops-common';

/** Groups that read invoices. */
export const INVOICE_READERS = [
  'group:default/finance',
  'group:default/admins',
];

export class UyoopPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (request.permission.name === finopsInvoiceReadPermission.name) {
      const refs = user?.info.ownershipEntityRefs ?? [];
      return {
        result: refs.some(r => INVOICE_READERS.includes(r))
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'uyoop-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new UyoopPermissionPolicy());
      },
    });
  },
});
