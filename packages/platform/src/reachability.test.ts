import {
  allowedPairs,
  INTERNET,
  NetworkPolicyObject,
  policyInputs,
  reachabilityMatrix,
} from './reachability';

const ns = (name: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'uyoop.io/tier': tier } },
});
const policy = (
  namespace: string,
  name: string,
  spec: Partial<NetworkPolicyObject['spec']>,
): NetworkPolicyObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec: { podSelector: {}, ...spec },
});
const denyAll = (namespace: string) =>
  policy(namespace, 'default-deny', { policyTypes: ['Ingress', 'Egress'] });
const byName = (name: string) => ({
  matchLabels: { 'kubernetes.io/metadata.name': name },
});

/** prod-web serves Traefik on 2368 and its own pods; dev-lab is closed. */
const fixture = () => [
  ns('prod-web', 'prod'),
  ns('dev-lab', 'dev'),
  denyAll('prod-web'),
  denyAll('dev-lab'),
  policy('prod-web', 'allow-traefik', {
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            namespaceSelector: byName('kube-system'),
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'traefik' },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 2368 }],
      },
    ],
  }),
];

const matrixOf = (objects: any[], query = {}) => {
  const { namespaces, policies } = policyInputs(objects, ['kube-system']);
  return reachabilityMatrix(namespaces, policies, query);
};

describe('reachabilityMatrix', () => {
  it('lets through only what a policy allows, in both directions', () => {
    const m = matrixOf(fixture());
    expect(allowedPairs(m)).toEqual([
      'kube-system -> kube-system',
      'kube-system -> prod-web',
      `kube-system -> ${INTERNET}`,
    ]);
  });

  it('honours ports: Traefik reaches prod-web on 2368, not on 22', () => {
    expect(
      matrixOf(fixture(), { port: 2368 }).allowed['kube-system']['prod-web'],
    ).toBe(true);
    expect(
      matrixOf(fixture(), { port: 22 }).allowed['kube-system']['prod-web'],
    ).toBe(false);
  });

  it('catches a loosened policy that opens prod to dev-lab', () => {
    const bad = [
      ...fixture(),
      // "allow from every namespace": a typo for a selector on one namespace.
      policy('prod-web', 'allow-all-namespaces', {
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }] }],
      }),
      policy('dev-lab', 'allow-out', {
        policyTypes: ['Egress'],
        egress: [{}],
      }),
    ];
    const m = matrixOf(bad);
    expect(m.allowed['dev-lab']['prod-web']).toBe(true);
    expect(m.allowed['dev-lab'][INTERNET]).toBe(true);
    expect(matrixOf(fixture()).allowed['dev-lab']['prod-web']).toBe(false);
  });

  it('needs both sides: an egress allow alone does not open a closed namespace', () => {
    const m = matrixOf([
      ...fixture(),
      policy('dev-lab', 'allow-to-prod', {
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: byName('prod-web') }] }],
      }),
    ]);
    expect(m.allowed['dev-lab']['prod-web']).toBe(false);
  });

  it('counts an ipBlock over the pod range as a path to every namespace, and a public one as the internet', () => {
    const m = matrixOf([
      ...fixture(),
      policy('dev-lab', 'allow-everywhere', {
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
      }),
      policy('prod-web', 'allow-private', {
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
      }),
    ]);
    expect(m.allowed['dev-lab']['prod-web']).toBe(true);
    expect(m.allowed['dev-lab'][INTERNET]).toBe(true);
  });

  it('keeps the internet closed when the block excepts it', () => {
    const m = matrixOf([
      ...fixture(),
      policy('dev-lab', 'allow-mesh', {
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.80.0.0/24' } }] }],
      }),
    ]);
    expect(m.allowed['dev-lab'][INTERNET]).toBe(false);
    expect(m.allowed['dev-lab']['prod-web']).toBe(false);
  });

  it('matches namespace selectors by label and expression', () => {
    const m = matrixOf([
      ...fixture(),
      policy('prod-web', 'allow-prod-tier', {
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    {
                      key: 'uyoop.io/tier',
                      operator: 'NotIn',
                      values: ['dev'],
                    },
                  ],
                },
              },
            ],
          },
        ],
      }),
    ]);
    expect(m.allowed['kube-system']['prod-web']).toBe(true);
    expect(m.allowed['dev-lab']['prod-web']).toBe(false);
  });
});
