import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  finopsInvoiceReadPermission,
  finopsReadPermission,
} from '@internal/plugin-uyoop-finops-common';
import { UyoopPermissionPolicy } from './permissionPolicy';

const user = (ref: string, groups: string[]) =>
  ({
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: ref },
    },
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  } as any);

describe('the portal permission policy', () => {
  const policy = new UyoopPermissionPolicy();
  it.each([
    [
      'the guest (developers)',
      user('user:default/guest', ['group:default/developers']),
      AuthorizeResult.DENY,
    ],
    [
      'cjenkins (admins, finance)',
      user('user:default/cjenkins', [
        'group:default/admins',
        'group:default/finance',
      ]),
      AuthorizeResult.ALLOW,
    ],
    [
      'a finance-only member',
      user('user:default/f', ['group:default/finance']),
      AuthorizeResult.ALLOW,
    ],
    ['nobody signed in', undefined, AuthorizeResult.DENY],
  ])('invoice detail for %s: %s', async (_who, u, result) => {
    expect(
      (await policy.handle({ permission: finopsInvoiceReadPermission }, u))
        .result,
    ).toBe(result);
  });

  it('allows the rest, e.g. cost reports for a developer', async () => {
    expect(
      (
        await policy.handle(
          { permission: finopsReadPermission },
          user('user:default/guest', ['group:default/developers']),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });
});
