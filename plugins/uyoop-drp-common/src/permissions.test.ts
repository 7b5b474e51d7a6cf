import { drpPermissions } from './permissions';

describe('DRP permissions', () => {
  it("carry the names the portal's policy grants (packages/backend/src/permissionPolicy.ts); any other name is denied to everyone", () => {
    expect(drpPermissions.map(p => [p.name, p.attributes.action])).toEqual([
      ['uyoop.drp.read', 'read'],
      ['uyoop.drp.restore.scratch', 'create'],
      ['uyoop.drp.restore.in-place', 'update'],
      ['uyoop.drp.drill.run', 'delete'],
    ]);
  });
});
