/**
 * Default-deny in every managed namespace, in both directions, then explicit
 * allows only: DNS, the namespace's own pods (apps and their databases),
 * Prometheus scrapes, Traefik to the web services, the apps to the services
 * they depend on in other namespaces, and the few internet and node ports a
 * namespace's profile names. A dev-tier namespace is never allowed into a
 * prod-tier one: its web UIs get SSO through Traefik's forwardAuth instead.
 */
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { ClusterPlan, ManagedNamespace } from './plan';
import { MANAGED_BY } from './namespaces';
import {
  ACME_SOLVER_PORT,
  DNS_POD_LABELS,
  SYSTEM_NAMESPACE,
  TRAEFIK_POD_LABELS,
} from './profiles';

const NAME_LABEL = 'kubernetes.io/metadata.name';
/** Private ranges: never "the internet" (pods, services, the mesh, the nodes' LANs). */
const PRIVATE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
];

const tcp = (ports: number[]) =>
  [...new Set(ports)]
    .sort((a, b) => a - b)
    .map(port => ({ protocol: 'TCP', port }));
const inNamespace = (name: string) => ({ matchLabels: { [NAME_LABEL]: name } });

export function networkPolicies(plan: ClusterPlan) {
  const byName = new Map(plan.namespaces.map(n => [n.name, n]));
  const workloadNs = new Map(plan.workloads.map(w => [w.name, w.namespace]));
  const meshCidr = plan.platform.mesh.cidr;
  const metricsPorts = (ns: ManagedNamespace) =>
    ns.workloads
      .map(w => w.sizing.metricsPort)
      .filter((p): p is number => p !== undefined);
  const allMetricsPorts = plan.namespaces.flatMap(metricsPorts);

  // Cross-namespace dependencies from the catalog (an app to Authelia, ...),
  // except dev into prod, which the tiers forbid.
  const crossings: { from: string; to: string; port: number }[] = [];
  for (const w of plan.workloads) {
    for (const dep of w.dependsOn) {
      const target = plan.workloads.find(t => t.name === dep);
      const to = workloadNs.get(dep);
      const src = byName.get(w.namespace);
      const dst = to ? byName.get(to) : undefined;
      if (!target?.sizing.port || !src || !dst || src === dst) continue;
      if (target.runtime === 'compose') continue;
      if (src.tier === 'dev' && dst.tier === 'prod') continue;
      crossings.push({
        from: src.name,
        to: dst.name,
        port: target.sizing.port,
      });
    }
  }

  return plan.namespaces.flatMap(ns => {
    const policy = (name: string, spec: Record<string, unknown>) =>
      new NetworkPolicy({
        metadata: { name, namespace: ns.name, labels: MANAGED_BY },
        spec: { podSelector: {}, ...spec } as any,
      });
    const out = [
      policy('default-deny', { policyTypes: ['Ingress', 'Egress'] }),
      policy('allow-dns', {
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: inNamespace(SYSTEM_NAMESPACE),
                podSelector: { matchLabels: DNS_POD_LABELS },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
      policy('allow-same-namespace', {
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
    ];
    const scraped = metricsPorts(ns);
    if (scraped.length > 0) {
      out.push(
        policy('allow-monitoring-scrape', {
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ namespaceSelector: inNamespace('monitoring') }],
              ports: tcp(scraped),
            },
          ],
        }),
      );
    }
    if (ns.name === 'monitoring') {
      out.push(
        policy('allow-scrape-everything', {
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ namespaceSelector: {} }],
              ports: tcp(allMetricsPorts),
            },
          ],
        }),
      );
    }
    const webPorts = plan.profiles.exposures
      .filter(e => workloadNs.get(e.service) === ns.name)
      .map(e => plan.workloads.find(w => w.name === e.service)!.sizing.port!);
    if (webPorts.length > 0) {
      out.push(
        policy('allow-ingress-from-traefik', {
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: inNamespace(SYSTEM_NAMESPACE),
                  podSelector: { matchLabels: TRAEFIK_POD_LABELS },
                },
              ],
              ports: tcp([...webPorts, ACME_SOLVER_PORT]),
            },
          ],
        }),
      );
    }
    const outgoing = crossings.filter(c => c.from === ns.name);
    const incoming = crossings.filter(c => c.to === ns.name);
    for (const to of [...new Set(outgoing.map(c => c.to))].sort()) {
      out.push(
        policy(`allow-to-${to}`, {
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ namespaceSelector: inNamespace(to) }],
              ports: tcp(outgoing.filter(c => c.to === to).map(c => c.port)),
            },
          ],
        }),
      );
    }
    for (const from of [...new Set(incoming.map(c => c.from))].sort()) {
      out.push(
        policy(`allow-from-${from}`, {
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ namespaceSelector: inNamespace(from) }],
              ports: tcp(
                incoming.filter(c => c.from === from).map(c => c.port),
              ),
            },
          ],
        }),
      );
    }
    if (ns.internetEgress) {
      out.push(
        policy('allow-internet', {
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }],
              ports: tcp(ns.internetEgress.ports),
            },
          ],
        }),
      );
    }
    if (ns.nodeEgress) {
      out.push(
        policy('allow-to-nodes', {
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ ipBlock: { cidr: meshCidr } }],
              ports: tcp(ns.nodeEgress.ports),
            },
          ],
        }),
      );
    }
    if (ns.nodeIngress) {
      out.push(
        policy('allow-from-nodes', {
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ ipBlock: { cidr: meshCidr } }],
              ports: tcp(ns.nodeIngress.ports),
            },
          ],
        }),
      );
    }
    return out;
  });
}
