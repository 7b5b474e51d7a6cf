/**
 * The portal's permission policy (a module of the permission plugin).
 *
 * It denies by default: a permission is allowed only when `POLICY` below
 * names it, and only to the catalog groups it lists. Group membership comes
 * from the catalog (the sign-in resolver puts the user's groups in its
 * ownership claims). Every deny is logged with the permission, the user and
 * what would have allowed it; every decision on a permission that changes
 * something (create, update, delete) is recorded by the auditor.
 *
 * The DRP permissions are declared here already, by name, so that the DRP
 * plugin only has to create permissions with these names.
 */
import {
  AuditorService,
  createBackendModule,
  coreServices,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

/** The roles: groups of catalog/org.yaml. */
export const ROLES = {
  developers: 'group:default/developers',
  finance: 'group:default/finance',
  admins: 'group:default/admins',
  drpAdmins: 'group:default/drp-admins',
} as const;
export type Role = keyof typeof ROLES;

/**
 * Who gets a permission: every signed-in user, or members of some roles.
 * `orOwner` also allows the owners of a catalog entity (a conditional
 * decision evaluated by the catalog).
 */
export type Rule =
  | { allow: 'signed-in' }
  | { allow: readonly Role[]; orOwner?: true };

const signedIn: Rule = { allow: 'signed-in' };
const only = (...allow: Role[]): Rule => ({ allow });
const ownerOr = (...allow: Role[]): Rule => ({ allow, orOwner: true });

/** Every permission the portal knows, and who gets it. Anything else is denied. */
export const POLICY: Readonly<Record<string, Rule>> = {
  // Catalog: everyone reads; owners and admins change their entities.
  'catalog.entity.read': signedIn,
  'catalog.location.read': signedIn,
  'catalog.entity.validate': signedIn,
  'catalog.entity.refresh': ownerOr('admins'),
  'catalog.entity.delete': ownerOr('admins'),
  'catalog.entity.create': only('admins'),
  'catalog.location.analyze': only('admins', 'developers'),
  'catalog.location.create': only('admins'),
  'catalog.location.delete': only('admins'),
  'catalog.ingestion.read': only('admins'),
  'catalog.ingestion.manage': only('admins'),

  // Scaffolder (and the MCP actions that run templates): developers run templates.
  'scaffolder.template.parameter.read': signedIn,
  'scaffolder.template.step.read': signedIn,
  'scaffolder.template.dry-run': only('developers', 'admins'),
  'scaffolder.task.create': only('developers', 'admins'),
  'scaffolder.task.read': only('developers', 'admins'),
  'scaffolder.task.cancel': only('developers', 'admins'),
  'scaffolder.action.execute': only('developers', 'admins'),
  'scaffolder.template.management': only('admins'),

  // Kubernetes: everyone sees workloads; the raw API proxy is for admins.
  'kubernetes.clusters.read': signedIn,
  'kubernetes.resources.read': signedIn,
  'kubernetes.proxy': only('admins'),

  // TechDocs.
  'techdocs.actions.read': signedIn,

  // FinOps: summaries for everyone; invoice detail and ingestion for finance and admins.
  'uyoop.finops.read': signedIn,
  'uyoop.finops.invoice.read': only('finance', 'admins'),
  'uyoop.finops.ingest': only('finance', 'admins'),

  // DRP: everyone reads the inventory; drp-admins run drills and in-place
  // restores; admins (and drp-admins) run scratch restores.
  'uyoop.drp.read': signedIn,
  'uyoop.drp.drill.run': only('drpAdmins'),
  'uyoop.drp.restore.in-place': only('drpAdmins'),
  'uyoop.drp.restore.scratch': only('admins', 'drpAdmins'),

  // Audit trail (packages/backend/src/audit): admins read it.
  'uyoop.audit.read': only('admins'),
};

const describeRule = (rule: Rule) =>
  rule.allow === 'signed-in'
    ? 'any signed-in user'
    : `${rule.allow.map(r => ROLES[r]).join(' or ')}${
        'orOwner' in rule && rule.orOwner ? ' or the entity owner' : ''
      }`;

export class UyoopPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly deps: { logger: LoggerService; auditor?: AuditorService },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const userRef = user?.info.userEntityRef ?? 'nobody signed in';
    const claims = user?.info.ownershipEntityRefs ?? [];
    const rule = POLICY[permission.name];

    let reason: string | undefined;
    let decision: PolicyDecision = { result: AuthorizeResult.DENY };
    if (!rule) {
      reason = 'no rule names this permission (denied by default)';
    } else if (!user) {
      reason = 'nobody is signed in';
    } else if (
      rule.allow === 'signed-in' ||
      rule.allow.some(role => claims.includes(ROLES[role]))
    ) {
      decision = { result: AuthorizeResult.ALLOW };
    } else if (
      rule.orOwner &&
      isResourcePermission(permission, 'catalog-entity')
    ) {
      // The catalog allows it on the entities whose owner is among the claims.
      decision = createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    } else {
      reason = `it needs ${describeRule(rule)}; the user is in ${
        claims.filter(c => c.startsWith('group:')).join(', ') || 'no group'
      }`;
    }

    if (decision.result === AuthorizeResult.DENY) {
      this.deps.logger.warn(
        `Permission ${permission.name} denied to ${userRef}: ${reason}`,
        { permission: permission.name, user: userRef },
      );
    }
    if (
      permission.attributes.action &&
      permission.attributes.action !== 'read'
    ) {
      await this.audit(permission.name, userRef, decision.result, reason);
    }
    return decision;
  }

  private async audit(
    permission: string,
    user: string,
    result: AuthorizeResult,
    reason?: string,
  ) {
    if (!this.deps.auditor) return;
    const event = await this.deps.auditor.createEvent({
      eventId: 'permission-decision',
      severityLevel: result === AuthorizeResult.DENY ? 'medium' : 'low',
      meta: { permission, user, result },
    });
    if (result === AuthorizeResult.DENY) {
      await event.fail({ error: new Error(`denied: ${reason}`) });
    } else {
      await event.success();
    }
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'uyoop-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        logger: coreServices.logger,
        auditor: coreServices.auditor,
      },
      async init({ policy, logger, auditor }) {
        policy.setPolicy(new UyoopPermissionPolicy({ logger, auditor }));
      },
    });
  },
});
