import { loadPlatform, Platform } from '@internal/platform';
import { clusterPlan, KubeObject, platformObjects } from '.';
import {
  checkNewNamespace,
  checkNewService,
  devEscapes,
  GOLDEN_PATH_SIZING,
  GoldenPathError,
  namespaceManifests,
  serviceManifests,
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
    expectRefused(() => checkNewNamespace(platform, input), field, message);
  });
});

function expectRefused(run: () => unknown, field: string, message: RegExp) {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(GoldenPathError);
  expect((error as GoldenPathError).field).toBe(field);
  expect((error as Error).message).toMatch(message);
}

const web = {
  kind: 'web-service',
  name: 'hello',
  tier: 'prod',
  owner: 'group:default/developers',
  system: 'system:default/web',
  node: 'resource:default/core-prod',
  image: 'registry.uyoop.fr/developers/hello:0.1.0',
  port: 8080,
};
const byKind = (objects: KubeObject[], kind: string) =>
  objects.filter(o => o.kind === kind);

describe('the service golden paths', () => {
  it('render a web service in its own namespace: placed, sized, behind Authelia, with its certificate and backups', () => {
    const objects = serviceManifests(platform, checkNewService(platform, web));
    expect([...new Set(objects.map(o => o.kind))].sort()).toEqual([
      'Certificate',
      'Deployment',
      'IngressRoute',
      'LimitRange',
      'Middleware',
      'Namespace',
      'NetworkPolicy',
      'ResourceQuota',
      'Schedule',
      'Service',
    ]);
    expect(byKind(objects, 'Namespace')[0].metadata).toMatchObject({
      name: 'prod-hello',
      labels: {
        'uyoop.io/tier': 'prod',
        'uyoop.io/owner': 'developers',
        'uyoop.io/cost-centre': 'web',
      },
    });
    const pod = (byKind(objects, 'Deployment')[0].spec as any).template.spec;
    expect(JSON.stringify(pod.affinity ?? pod.nodeSelector)).toContain(
      'core-prod',
    );
    expect(pod.containers[0]).toMatchObject({
      image: web.image,
      resources: GOLDEN_PATH_SIZING,
      securityContext: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      },
    });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const route = byKind(objects, 'IngressRoute')[0].spec as any;
    expect(route.routes.map((r: any) => r.match)).toEqual([
      'Host(`hello.uyoop.fr`)',
    ]);
    expect(route.routes[0].middlewares.map((m: any) => m.name)).toContain(
      'authelia-forward-auth',
    );
    expect((byKind(objects, 'Certificate')[0].spec as any).dnsNames).toEqual([
      'hello.uyoop.fr',
    ]);
    const traefik = byKind(objects, 'NetworkPolicy').find(
      p => p.metadata.name === 'allow-ingress-from-traefik',
    )!;
    expect(JSON.stringify(traefik.spec)).toContain('"port":8080');
    expect(
      (byKind(objects, 'Schedule')[0].spec as any).template.includedNamespaces,
    ).toEqual(['prod-hello']);
  });

  it('render a static site as a public route, and place an ai-lab one with its toleration', () => {
    const site = serviceManifests(
      platform,
      checkNewService(platform, {
        ...web,
        kind: 'static-site',
        name: 'docs',
        node: 'ai-lab',
        tier: 'dev',
      }),
    );
    const route = byKind(site, 'IngressRoute')[0].spec as any;
    expect(
      route.routes.flatMap((r: any) => r.middlewares.map((m: any) => m.name)),
    ).not.toContain('authelia-forward-auth');
    const pod = (byKind(site, 'Deployment')[0].spec as any).template.spec;
    expect(JSON.stringify(pod.tolerations)).toContain('uyoop.io/workload');
    expect(byKind(site, 'Namespace')[0].metadata.name).toBe('dev-docs');
  });

  it('refuses a service its node cannot hold, naming what overflows', () => {
    const small = {
      ...platform,
      nodes: platform.nodes.map(n =>
        n.name === 'ai-lab' ? { ...n, memoryGiB: 2 } : n,
      ),
    };
    expectRefused(
      () =>
        serviceManifests(
          small,
          checkNewService(small, { ...web, node: 'ai-lab' }),
        ),
      'node',
      /ai-lab cannot hold hello: .*ollama/,
    );
  });

  it.each([
    [{ ...web, kind: 'cron-job' }, 'kind', /web-service or static-site/],
    [{ ...web, name: 'hello;reboot' }, 'name', /not a DNS-1123 label/],
    [{ ...web, name: 'ghost' }, 'name', /service ghost already exists/],
    [{ ...web, name: 'a'.repeat(41) }, 'name', /at most 40/],
    [
      { ...web, node: 'resource:default/core-staging' },
      'node',
      /core-staging is not a catalog node \(core-prod, ai-lab\)/,
    ],
    [{ ...web, owner: 'group:default/nobody' }, 'owner', /not a catalog Group/],
    [{ ...web, image: 'nginx' }, 'image', /not an image pinned/],
    [{ ...web, image: 'nginx:latest' }, 'image', /not an image pinned/],
    [{ ...web, image: 'nginx:1.29;id' }, 'image', /not an image pinned/],
    [{ ...web, port: 80 }, 'port', /unprivileged port/],
  ])('refuses %j, naming the field %s', (input, field, message) => {
    expectRefused(() => checkNewService(platform, input), field, message);
  });
});
