/*
 * The portal's permission policy, loaded as the real permission-plugin module
 * into a test backend with the real catalog, scaffolder, Kubernetes and FinOps
 * plugins: decisions come from POST /api/permission/authorize, denies from
 * the FinOps routes, and every permission the plugins declare is checked
 * against the expected table below.
 */
import {
  createServiceFactory,
  coreServices,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import { repoRoot } from '@internal/platform';
import { join } from 'node:path';
import permissionPlugin from '@backstage/plugin-permission-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import finopsPlugin from '@internal/plugin-uyoop-finops-backend';
import drpPlugin from '@internal/plugin-uyoop-drp-backend';
import { auditPlugin } from './audit';
import policyModule, {
  POLICY,
  UyoopPermissionPolicy,
} from './permissionPolicy';

jest.setTimeout(120_000);

/** Test accounts, one per role, with the groups the catalog would give them. */
const ACCOUNTS = {
  developer: ['group:default/developers'],
  finance: ['group:default/finance'],
  admin: ['group:default/admins'],
  'drp-admin': ['group:default/drp-admins'],
  'no group': [],
} as const;
type Account = keyof typeof ACCOUNTS;
const userRef = (a: Account) => `user:default/test-${a.replace(' ', '-')}`;

const A = AuthorizeResult.ALLOW;
const D = AuthorizeResult.DENY;
/** The entity's owners: a conditional decision that the catalog applies. */
const O = AuthorizeResult.CONDITIONAL;
const OWNED_BY_DEVELOPERS = 'resource:default/pipeline-ghost';

/**
 * The policy table: for each permission, the decision for
 * developer, finance, admin, drp-admin, a signed-in user with no group.
 */
const EXPECTED: Record<string, [string, string, string, string, string]> = {
  'catalog.entity.read': [A, A, A, A, A],
  'catalog.location.read': [A, A, A, A, A],
  'catalog.entity.validate': [A, A, A, A, A],
  'catalog.entity.refresh': [O, O, A, O, O],
  'catalog.entity.delete': [O, O, A, O, O],
  'catalog.entity.create': [D, D, A, D, D],
  'catalog.location.analyze': [A, D, A, D, D],
  'catalog.location.create': [D, D, A, D, D],
  'catalog.location.delete': [D, D, A, D, D],
  'catalog.ingestion.read': [D, D, A, D, D],
  'catalog.ingestion.manage': [D, D, A, D, D],
  'scaffolder.template.parameter.read': [A, A, A, A, A],
  'scaffolder.template.step.read': [A, A, A, A, A],
  'scaffolder.template.dry-run': [A, D, A, D, D],
  'scaffolder.task.create': [A, D, A, D, D],
  'scaffolder.task.read': [A, D, A, D, D],
  'scaffolder.task.cancel': [A, D, A, D, D],
  'scaffolder.action.execute': [A, D, A, D, D],
  'scaffolder.template.management': [D, D, A, D, D],
  'kubernetes.clusters.read': [A, A, A, A, A],
  'kubernetes.resources.read': [A, A, A, A, A],
  'kubernetes.proxy': [D, D, A, D, D],
  'techdocs.actions.read': [A, A, A, A, A],
  'uyoop.finops.read': [A, A, A, A, A],
  'uyoop.finops.invoice.read': [D, A, A, D, D],
  'uyoop.finops.ingest': [D, A, A, D, D],
  'uyoop.drp.read': [A, A, A, A, A],
  'uyoop.drp.drill.run': [D, D, D, A, D],
  'uyoop.drp.restore.in-place': [D, D, D, A, D],
  'uyoop.drp.restore.scratch': [D, D, A, A, D],
  'uyoop.audit.read': [D, D, A, D, D],
};
const accounts = Object.keys(ACCOUNTS) as Account[];

/** A logger that keeps what it is told, for the assertions on deny logs. */
const logged: { level: string; message: string; plugin: string }[] = [];
const recordingLogger = createServiceFactory({
  service: coreServices.logger,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const make = (): LoggerService => ({
      error: m =>
        void logged.push({
          level: 'error',
          message: m,
          plugin: plugin.getId(),
        }),
      warn: m =>
        void logged.push({ level: 'warn', message: m, plugin: plugin.getId() }),
      info: m =>
        void logged.push({ level: 'info', message: m, plugin: plugin.getId() }),
      debug: () => {},
      child: () => make(),
    });
    return make();
  },
});

/** An auditor that keeps its records. */
const audited: {
  plugin: string;
  eventId: string;
  status: string;
  meta?: any;
}[] = [];
const recordingAuditor = createServiceFactory({
  service: coreServices.auditor,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    return {
      async createEvent({ eventId, meta }) {
        const record = (status: string, more?: object) =>
          void audited.push({
            plugin: plugin.getId(),
            eventId,
            status,
            meta: { ...meta, ...more },
          });
        return {
          success: async o => record('succeeded', o?.meta),
          fail: async o =>
            record('failed', { ...o.meta, error: o.error.message }),
        };
      },
    };
  },
});

describe('the portal permission policy in a running backend', () => {
  let base: string;
  let stop: () => Promise<void>;

  /** Every permission the running plugins declare, as they declare it. */
  const declared = new Map<string, Permission>();

  const authorize = async (
    account: Account,
    items: { name: string; resourceRef?: string }[],
  ): Promise<string[]> => {
    const res = await fetch(`${base}/api/permission/authorize`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.user.header(userRef(account)),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        items: items.map(({ name, resourceRef }, i) => {
          const permission: Permission = declared.get(name) ?? {
            type: 'basic',
            name,
            attributes: {},
          };
          // The permission backend wants a resource for a user's resource permission.
          const ref =
            resourceRef ??
            (permission.type === 'resource'
              ? permission.resourceType === 'catalog-entity'
                ? OWNED_BY_DEVELOPERS
                : 'unused:default/any'
              : undefined);
          return {
            id: String(i),
            permission,
            ...(ref ? { resourceRef: ref } : {}),
          };
        }),
      }),
    });
    const body = await res.json();
    expect({ status: res.status, error: body.error }).toEqual({
      status: 200,
      error: undefined,
    });
    return body.items.map((i: { result: string }) => i.result);
  };

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        permissionPlugin,
        policyModule,
        catalogPlugin,
        scaffolderPlugin,
        kubernetesPlugin,
        finopsPlugin,
        drpPlugin,
        auditPlugin,
        recordingLogger,
        recordingAuditor,
        mockServices.userInfo.mock({
          async getUserInfo(credentials) {
            const ref = (credentials.principal as { userEntityRef: string })
              .userEntityRef;
            const account = accounts.find(a => userRef(a) === ref);
            return {
              userEntityRef: ref,
              ownershipEntityRefs: [ref, ...(account ? ACCOUNTS[account] : [])],
            };
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'System',
                    'Domain',
                    'Resource',
                    'Location',
                    'Group',
                    'User',
                  ],
                },
              ],
              locations: [
                { type: 'file', target: join(repoRoot, 'catalog-info.yaml') },
              ],
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [{ type: 'config', clusters: [] }],
            },
          },
        }),
      ],
    });
    base = `http://127.0.0.1:${
      (backend.server.address() as { port: number }).port
    }`;
    stop = () => backend.stop();

    for (const plugin of [
      'catalog',
      'scaffolder',
      'kubernetes',
      'finops',
      'drp',
      'audit',
    ]) {
      const res = await fetch(
        `${base}/api/${plugin}/.well-known/backstage/permissions/metadata`,
        { headers: { Authorization: mockCredentials.service.header() } },
      );
      expect(res.status).toBe(200);
      for (const p of (await res.json()).permissions as Permission[])
        declared.set(p.name, p);
    }
  });

  afterAll(() => stop?.());

  it('has a decision for every permission that a running plugin declares', async () => {
    expect(declared.size).toBeGreaterThan(20);
    const withoutDecision = [...declared.keys()].filter(
      name => !(name in POLICY),
    );
    expect(withoutDecision).toEqual([]);
    // The policy and this table name the same permissions.
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(accounts)('decides as the table says for a %s', async account => {
    const column = accounts.indexOf(account);
    const names = Object.keys(EXPECTED);
    // Definite decisions through the permission plugin's HTTP API.
    const definite = names.filter(n => EXPECTED[n][column] !== O);
    const results = await authorize(
      account,
      definite.map(name => ({ name })),
    );
    const decided: Record<string, string> = Object.fromEntries(
      definite.map((n, i) => [n, results[i]]),
    );
    // Conditional ones are only applied by the catalog on behalf of a real
    // user token: read them from the policy itself.
    const policy = new UyoopPermissionPolicy({
      logger: mockServices.logger.mock(),
    });
    for (const name of names.filter(n => EXPECTED[n][column] === O)) {
      const decision = await policy.handle(
        { permission: declared.get(name)! },
        {
          identity: undefined as never,
          credentials: undefined as never,
          info: {
            userEntityRef: userRef(account),
            ownershipEntityRefs: [userRef(account), ...ACCOUNTS[account]],
          },
        } as never,
      );
      expect(decision).toMatchObject({
        result: O,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          params: { claims: [userRef(account), ...ACCOUNTS[account]] },
        },
      });
      decided[name] = decision.result;
    }
    expect(decided).toEqual(
      Object.fromEntries(names.map(n => [n, EXPECTED[n][column]])),
    );
  });

  it('denies a permission that no rule names, and says so in the logs', async () => {
    expect(
      await authorize('admin', [{ name: 'someplugin.secret.read' }]),
    ).toEqual([D]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        plugin: 'permission',
        message:
          'Permission someplugin.secret.read denied to user:default/test-admin: no rule names this permission (denied by default)',
      }),
    );
  });

  it('403 with the reason logged when a developer triggers a FinOps ingestion', async () => {
    const res = await fetch(`${base}/api/finops/ingest`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.user.header(userRef('developer')),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ periods: ['2026-10'] }),
    });
    expect(res.status).toBe(403);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message:
          'Permission uyoop.finops.ingest denied to user:default/test-developer: it needs group:default/finance or group:default/admins; the user is in group:default/developers',
      }),
    );
    expect(audited).toContainEqual({
      plugin: 'permission',
      eventId: 'permission-decision',
      status: 'failed',
      meta: expect.objectContaining({
        permission: 'uyoop.finops.ingest',
        user: 'user:default/test-developer',
        result: D,
      }),
    });
  });

  it('lets finance past the permission check of an ingestion, with an audit record', async () => {
    // Bad periods: the route answers 400 after the permission check, so no OVH call is made.
    const res = await fetch(`${base}/api/finops/ingest`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.user.header(userRef('finance')),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ periods: ['October'] }),
    });
    expect(res.status).toBe(400);
    expect(audited).toContainEqual({
      plugin: 'permission',
      eventId: 'permission-decision',
      status: 'succeeded',
      meta: {
        permission: 'uyoop.finops.ingest',
        user: 'user:default/test-finance',
        result: A,
      },
    });
  });
});
