import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlatform, Platform, repoRoot } from '@internal/platform';
import { parseAllDocuments } from 'yaml';
import {
  clusterPlan,
  KubeObject,
  platformObjects,
  renderFiles,
  renderTo,
} from '.';
import { MIDDLEWARES } from './ingress';
import { exposures, sizing } from './profiles';

let platform: Platform;
let objects: KubeObject[];

beforeAll(async () => {
  platform = await loadPlatform();
  objects = platformObjects(clusterPlan(platform));
});

const ofKind = (kind: string) => objects.filter(o => o.kind === kind);

describe('the rendered platform', () => {
  it('is committed as rendered: infra/k8s and the alert rules equal a fresh render', async () => {
    const result = await renderTo(repoRoot, platform, false);
    // When this fails, run `yarn uyoop k8s render` and commit the result.
    expect({ stale: result.stale, orphaned: result.orphaned }).toEqual({
      stale: [],
      orphaned: [],
    });
    expect(result.files.size).toBeGreaterThan(10);
  });

  it('gives every managed namespace its labels, quota, limit range and default deny', () => {
    const names = ofKind('Namespace').map(n => n.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'prod-mail',
        'prod-cloud',
        'devops-factory',
        'prod-web',
        'security',
        'dev-lab',
        'ai-lab',
        'monitoring',
        'backup',
      ]),
    );
    expect(names).not.toContain('kube-system');
    for (const name of names) {
      const ns = ofKind('Namespace').find(n => n.metadata.name === name)!;
      expect(Object.keys(ns.metadata.labels!)).toEqual(
        expect.arrayContaining([
          'uyoop.io/tier',
          'uyoop.io/owner',
          'uyoop.io/cost-centre',
        ]),
      );
      const inside = objects.filter(o => o.metadata.namespace === name);
      expect(inside.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(
        expect.arrayContaining([
          'ResourceQuota/quota',
          'LimitRange/defaults',
          'NetworkPolicy/default-deny',
        ]),
      );
    }
    const tiers = Object.fromEntries(
      ofKind('Namespace').map(n => [
        n.metadata.name,
        n.metadata.labels!['uyoop.io/tier'],
      ]),
    );
    expect(tiers['dev-lab']).toBe('dev');
    expect(tiers['ai-lab']).toBe('dev');
    expect(tiers['prod-cloud']).toBe('prod');
  });

  it('puts the forwardAuth middleware on every UI route, except the identity provider and public paths', () => {
    const routes = ofKind('IngressRoute') as any[];
    expect(routes.map(r => r.metadata.name).sort()).toEqual(
      exposures.map(e => e.service).sort(),
    );
    const unguarded: string[] = [];
    for (const r of routes) {
      const exposure = exposures.find(e => e.service === r.metadata.name)!;
      for (const rule of r.spec.routes) {
        const names = (rule.middlewares ?? []).map((m: any) => m.name);
        expect(names).toEqual(
          expect.arrayContaining([MIDDLEWARES.headers, MIDDLEWARES.rateLimit]),
        );
        if (!names.includes(MIDDLEWARES.auth)) {
          unguarded.push(
            `${r.metadata.namespace}/${r.metadata.name}: ${rule.match}`,
          );
        }
      }
      if (exposure.guardedPaths) {
        expect(
          r.spec.routes.some(
            (rule: any) =>
              rule.match.includes(exposure.guardedPaths![0]) &&
              rule.middlewares.some((m: any) => m.name === MIDDLEWARES.auth),
          ),
        ).toBe(true);
      }
    }
    expect(unguarded).toEqual([
      'prod-web/ghost: (Host(`uyoop.fr`) || Host(`www.uyoop.fr`)) && PathPrefix(`/`)',
      'security/authelia: Host(`auth.uyoop.fr`)',
    ]);
  });

  it("resolves every middleware a route names, in the route's own namespace", () => {
    const middlewares = new Set(
      ofKind('Middleware').map(
        m => `${m.metadata.namespace}/${m.metadata.name}`,
      ),
    );
    const missing = (ofKind('IngressRoute') as any[]).flatMap(r =>
      r.spec.routes.flatMap((rule: any) =>
        rule.middlewares
          .map((m: any) => `${r.metadata.namespace}/${m.name}`)
          .filter((ref: string) => !middlewares.has(ref)),
      ),
    );
    expect(missing).toEqual([]);
  });

  it("covers every routed host with a Certificate from a Let's Encrypt ClusterIssuer", () => {
    const issuers = ofKind('ClusterIssuer') as any[];
    expect(issuers.map(i => i.metadata.name).sort()).toEqual([
      'letsencrypt-production',
      'letsencrypt-staging',
    ]);
    for (const i of issuers) {
      expect(i.spec.acme.solvers[0].http01.ingress.ingressClassName).toBe(
        'traefik',
      );
    }
    const certs = ofKind('Certificate') as any[];
    for (const r of ofKind('IngressRoute') as any[]) {
      const cert = certs.find(
        c => c.spec.secretName === r.spec.tls.secretName,
      )!;
      expect(cert.metadata.namespace).toBe(r.metadata.namespace);
      const hosts = [
        ...JSON.stringify(r.spec.routes).matchAll(/Host\(`([^`]+)`\)/g),
      ].map(m => m[1]);
      expect(cert.spec.dnsNames).toEqual(expect.arrayContaining(hosts));
    }
  });

  it('files every object once, and the files parse back to the same objects', async () => {
    const files = renderFiles(platform);
    const parsed = [...files.entries()]
      .filter(([path]) => path.startsWith('infra/k8s'))
      .flatMap(([, text]) => parseAllDocuments(text).map(d => d.toJS()))
      .filter(Boolean);
    expect(parsed).toHaveLength(objects.length);
    expect(new Set(parsed.map(o => JSON.stringify(o)))).toEqual(
      new Set(objects.map(o => JSON.stringify(o))),
    );
    const committed = await readFile(
      join(repoRoot, 'infra', 'k8s', 'namespaces', 'dev-lab.yaml'),
      'utf8',
    );
    expect(committed).toMatch(/^# Generated from catalog\//);
  });

  it('sizes every catalog service that runs in the cluster or beside it', () => {
    const unsized = [
      ...platform.services.filter(s => s.runtime !== 'host').map(s => s.name),
      ...platform.databases.map(d => d.name),
    ].filter(n => !sizing[n]);
    expect(unsized).toEqual([]);
  });

  it('refuses a catalog service with no sizing, naming it and where to add it', () => {
    const extra = {
      ...platform,
      services: [
        ...platform.services,
        { ...platform.services[0], name: 'wiki', runtime: 'k3s' as const },
      ],
    };
    expect(() => clusterPlan(extra)).toThrow(
      'wiki: no sizing in packages/k8s/src/profiles.ts (requests and limits)',
    );
  });
});
