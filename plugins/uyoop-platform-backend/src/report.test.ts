import { INTERNET } from '@internal/plugin-uyoop-platform-common';
import { reachabilityReport } from './report';

const namespace = (name: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'uyoop.io/tier': tier } },
});

const to = (name: string) => ({
  namespaceSelector: {
    matchLabels: { 'kubernetes.io/metadata.name': name },
  },
});

const policy = (ns: string, egress: object[]) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'egress', namespace: ns },
  spec: { podSelector: {}, policyTypes: ['Egress'], egress },
});

/**
 * web reaches db on TCP 5432 and a UDP range; db reaches tools on any TCP
 * port and a public block on 443; tools, which no policy selects, anything.
 */
const objects = [
  namespace('web', 'prod'),
  namespace('db', 'prod'),
  namespace('tools', 'dev'),
  policy('web', [
    {
      to: [to('db')],
      ports: [
        { protocol: 'TCP', port: 5432 },
        { protocol: 'UDP', port: 7000, endPort: 7010 },
      ],
    },
  ]),
  policy('db', [
    { to: [to('tools')], ports: [{ protocol: 'TCP' }] },
    {
      to: [{ ipBlock: { cidr: '203.0.113.0/24' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    },
  ]),
];

describe('reachabilityReport', () => {
  const report = reachabilityReport(objects, new Date('2026-12-01T00:00:00Z'));

  it.each([
    ['web', 'db', ['5432/TCP', '7000-7010/UDP']],
    ['db', 'tools', ['any TCP port']],
    ['tools', 'web', ['any port']],
    ['tools', INTERNET, ['any port']],
    ['db', INTERNET, ['443/TCP']],
    ['kube-system', 'web', ['any port']],
  ])('%s reaches %s on %j', (from, dest, ports) => {
    expect(report.allowed[from][dest]).toBe(true);
    expect(report.ports[from][dest]).toEqual(ports);
  });

  it('lists no ports for a pair the policies deny', () => {
    expect(report.allowed.web.tools).toBe(false);
    expect(report.ports.web.tools).toBeUndefined();
    expect(report.allowed.web[INTERNET]).toBe(false);
  });

  it('reads the tiers from the namespace labels; kube-system has none', () => {
    expect(report.tiers).toEqual({ web: 'prod', db: 'prod', tools: 'dev' });
    expect(report.sources).toEqual(['db', 'kube-system', 'tools', 'web']);
    expect(report.generatedAt).toBe('2026-12-01T00:00:00.000Z');
  });
});
