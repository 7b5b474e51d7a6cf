import {
  allowedPairs,
  INTERNET,
  loadPlatform,
  policyInputs,
  reachabilityMatrix,
  ReachabilityMatrix,
} from '@internal/platform';
import { clusterPlan, KubeObject, platformObjects } from '.';
import { namespaceProfiles, SYSTEM_NAMESPACE } from './profiles';

let objects: KubeObject[];
beforeAll(async () => {
  objects = platformObjects(clusterPlan(await loadPlatform()));
});

const matrixOf = (objs: KubeObject[], port?: number) => {
  const { namespaces, policies } = policyInputs(objs, [SYSTEM_NAMESPACE]);
  return reachabilityMatrix(
    namespaces,
    policies,
    port === undefined ? {} : { port, protocol: 'TCP' },
  );
};

const tier = (ns: string) => namespaceProfiles[ns]?.tier;

/** Paths from a dev-tier namespace to anything but itself and DNS in kube-system. */
function devEscapes(m: ReachabilityMatrix): string[] {
  return allowedPairs(m).filter(pair => {
    const [from, to] = pair.split(' -> ');
    return tier(from) === 'dev' && to !== from && to !== SYSTEM_NAMESPACE;
  });
}

describe("the platform's NetworkPolicies", () => {
  it('never let dev-lab or ai-lab reach a prod namespace, nor the internet', () => {
    const m = matrixOf(objects);
    expect(devEscapes(m)).toEqual([]);
    for (const dev of ['dev-lab', 'ai-lab']) {
      for (const dst of m.destinations.filter(d => d.startsWith('prod-'))) {
        expect(m.allowed[dev][dst]).toBe(false);
      }
      expect(m.allowed[dev][INTERNET]).toBe(false);
    }
  });

  it('from dev namespaces, only DNS reaches kube-system', () => {
    for (const dev of ['dev-lab', 'ai-lab']) {
      expect(matrixOf(objects, 53).allowed[dev][SYSTEM_NAMESPACE]).toBe(true);
      expect(matrixOf(objects, 443).allowed[dev][SYSTEM_NAMESPACE]).toBe(false);
    }
  });

  it('open the internet only to the namespaces whose profile needs it', () => {
    const m = matrixOf(objects);
    const open = m.sources.filter(s => m.allowed[s][INTERNET]).sort();
    expect(open).toEqual(
      [
        SYSTEM_NAMESPACE,
        ...Object.entries(namespaceProfiles)
          .filter(([, p]) => p.internetEgress)
          .map(([n]) => n),
      ].sort(),
    );
    // Not the sovereign data: no path out of the AI lab, the mail or the web site.
    expect(m.allowed['ai-lab'][INTERNET]).toBe(false);
    expect(m.allowed['prod-web'][INTERNET]).toBe(false);
  });

  it('keep open what must stay open: Traefik to the UIs, monitoring scrapes, apps to Authelia, DNS', () => {
    const on = (port: number) => matrixOf(objects, port).allowed;
    expect(on(80)[SYSTEM_NAMESPACE]['prod-cloud']).toBe(true);
    expect(on(2368)[SYSTEM_NAMESPACE]['prod-web']).toBe(true);
    expect(on(9091)[SYSTEM_NAMESPACE]['security']).toBe(true);
    expect(on(9091)['prod-cloud']['security']).toBe(true);
    expect(on(9091)['devops-factory']['security']).toBe(true);
    expect(on(9091)['monitoring']['security']).toBe(true);
    expect(on(9959)['monitoring']['security']).toBe(true);
    expect(on(9205)['monitoring']['prod-cloud']).toBe(true);
    expect(on(53)['prod-web'][SYSTEM_NAMESPACE]).toBe(true);
    // ...and nothing more on those paths: the database behind Nextcloud stays inside.
    expect(on(5432)[SYSTEM_NAMESPACE]['prod-cloud']).toBe(false);
    expect(on(5432)['monitoring']['prod-cloud']).toBe(false);
    expect(on(6379)['prod-cloud']['security']).toBe(false);
  });

  it('keep the whole matrix (any port) as reviewed', () => {
    expect(allowedPairs(matrixOf(objects))).toMatchSnapshot();
  });

  it('are caught when loosened: an allow-all in a prod namespace opens it to ai-lab', () => {
    const loosened: KubeObject[] = [
      ...objects,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-everyone', namespace: 'prod-cloud' },
        spec: { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-out', namespace: 'ai-lab' },
        spec: {
          podSelector: {},
          egress: [{ to: [{ namespaceSelector: {} }] }],
          policyTypes: ['Egress'],
        },
      },
    ];
    expect(devEscapes(matrixOf(loosened))).toContain('ai-lab -> prod-cloud');
  });

  it('are caught when a default deny is dropped', () => {
    const withoutDeny = objects.filter(
      o => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'dev-lab'),
    );
    const m = matrixOf(withoutDeny);
    expect(m.allowed['dev-lab'][INTERNET]).toBe(true);
    expect(devEscapes(m).length).toBeGreaterThan(0);
  });
});
