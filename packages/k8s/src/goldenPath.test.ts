import { loadPlatform, Platform } from '@internal/platform';
import { clusterPlan, KubeObject, platformObjects } from '.';
import {
  checkNewNamespace,
  devEscapes,
  GoldenPathError,
  namespaceManifests,
  withNamespace,
} from './goldenPath';
import { defaultProfiles } from './profiles';

let platform: Platform;
beforeAll(async () => {
  platform = await loadPlatform();
});

const valid = {
  name: 'dev-sandbox',
  tier: 'dev',
  owner: 'group:default/developers',
  system: 'ai-lab',
};

describe('the namespace golden path', () => {
  it('renders a dev namespace through the platform generators: labels, quota, limits, default-deny', () => {
    const ns = checkNewNamespace(platform, valid);
    const objects = namespaceManifests(platform, ns);
    const kinds = objects.map(o => o.kind);
    expect(kinds.filter(k => k === 'Namespace')).toHaveLength(1);
    expect(kinds).toEqual(
      expect.arrayContaining(['ResourceQuota', 'LimitRange', 'NetworkPolicy']),
    );
    expect(objects.find(o => o.kind === 'Namespace')!.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'uyoop-k8s',
      'uyoop.io/tier': 'dev',
      'uyoop.io/owner': 'developers',
      'uyoop.io/cost-centre': 'ai-lab',
    });
    // Every object lives in the new namespace, and none of another namespace changed.
    expect(
      objects.every(
        o => o.kind === 'Namespace' || o.metadata.namespace === 'dev-sandbox',
      ),
    ).toBe(true);
    const policies = objects.filter(o => o.kind === 'NetworkPolicy');
    const denyAll = policies.find(p => {
      const spec = p.spec as {
        podSelector: object;
        policyTypes: string[];
        ingress?: unknown[];
      };
      return (
        Object.keys(spec.podSelector).length === 0 &&
        spec.policyTypes.includes('Ingress') &&
        !spec.ingress?.length
      );
    });
    expect(denyAll).toBeDefined();
    const before = platformObjects(clusterPlan(platform))
      .map(o => JSON.stringify(o))
      .sort();
    const after = platformObjects(
      clusterPlan(platform, withNamespace(defaultProfiles, ns)),
    )
      .filter(
        o =>
          !objects.includes(o) &&
          o.metadata.name !== 'dev-sandbox' &&
          o.metadata.namespace !== 'dev-sandbox',
      )
      .map(o => JSON.stringify(o))
      .sort();
    expect(after).toEqual(before);
  });

  it('keeps every dev namespace, the new one included, out of production', () => {
    const ns = checkNewNamespace(platform, valid);
    const profiles = withNamespace(defaultProfiles, ns);
    const all = platformObjects(clusterPlan(platform, profiles));
    expect(devEscapes(all, profiles)).toEqual([]);
    // The same check catches policies that would open the way: all egress from
    // the new namespace (the internet), and prod-web taking any namespace's traffic.
    const leaky: KubeObject[] = [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-all-egress', namespace: 'dev-sandbox' },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-from-all', namespace: 'prod-web' },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: {} }] }],
        },
      },
    ];
    expect(devEscapes([...all, leaky[0]], profiles)).toEqual([
      'dev-sandbox -> (internet)',
    ]);
    expect(devEscapes([...all, ...leaky], profiles).sort()).toEqual([
      'dev-sandbox -> (internet)',
      'dev-sandbox -> prod-web',
    ]);
  });

  it('renders a prod namespace with the prod tier label and its owner', () => {
    const ns = checkNewNamespace(platform, {
      name: 'prod-shop',
      tier: 'prod',
      owner: 'admins',
      system: 'web',
    });
    const n = namespaceManifests(platform, ns).find(
      o => o.kind === 'Namespace',
    )!;
    expect(n.metadata.labels).toMatchObject({
      'uyoop.io/tier': 'prod',
      'uyoop.io/owner': 'admins',
      'uyoop.io/cost-centre': 'web',
    });
  });

  it.each([
    [{ ...valid, name: 'dev;rm -rf /' }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: 'dev-$(id)' }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: 'dev\nlab' }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: 'dev: [yaml' }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: 'Dev-Lab' }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: 'a'.repeat(64) }, 'name', /not a DNS-1123 label/],
    [{ ...valid, name: '' }, 'name', /is required/],
    [{ ...valid, name: 'prod-web' }, 'name', /already exists/],
    [{ ...valid, name: 'kube-system' }, 'name', /already exists/],
    [{ ...valid, name: 'prod-sneaky' }, 'name', /cannot be named prod-/],
    [{ ...valid, tier: 'staging' }, 'tier', /dev or prod/],
    [
      { ...valid, owner: 'group:default/nobody' },
      'owner',
      /nobody is not a catalog Group \(admins, /,
    ],
    [{ ...valid, system: 'shop' }, 'system', /shop is not a catalog System/],
  ])('refuses %j, naming the field %s', (input, field, message) => {
    let error: unknown;
    try {
      checkNewNamespace(platform, input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GoldenPathError);
    expect((error as GoldenPathError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });
});
