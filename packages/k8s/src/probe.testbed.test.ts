/*
 * The NetworkPolicies of infra/k8s, enforced by the testbed's real nodes
 * (kube-router), probed with real TCP connections. Every managed namespace is
 * copied under a name of this run (`prod-web-<run>`, its selectors renamed the
 * same way), so the testbed's own workloads in the real namespaces keep
 * running. One pod per namespace, on the node its services run on, answers
 * HTTP on every port a policy names, plus one that none names; every pod then
 * connects to every other on each port. The observed matrix must equal the
 * one the pure analyzer computes from the same objects, port by port.
 *
 * Not probed: the internet column (this machine has no route out) and
 * traffic from the nodes' mesh addresses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPlatform,
  policyInputs,
  reachabilityMatrix,
} from '@internal/platform';
import { runId, testbed, tool, until } from '@internal/testbed';
import { busybox, tolerating } from '@internal/testbed/src/pods';
import { clusterPlan, KubeObject, platformObjects, SYSTEM_NAMESPACE } from '.';
import { renamedNamespaces } from './copies';
import { mostCommon } from './plan';

jest.setTimeout(600_000);

const run = runId();
/** A port no policy names: default-deny must hold there too. */
const UNNAMED_PORT = 7;

type Matrix = Record<string, Record<string, number[]>>;

let dir: string;
let namespaces: string[] = [];
/** Real namespace name -> the copy of this run. */
const copyOf = (name: string) => `${name}-${run}`;

/** The objects with every managed namespace renamed to its copy, selectors included. */
const renamed = (objects: KubeObject[], managed: Set<string>) =>
  renamedNamespaces(objects, managed, copyOf);

/** Every TCP port a rule of these policies names, and one that none names. */
function probedPorts(policies: KubeObject[]): number[] {
  const ports = new Set<number>([UNNAMED_PORT]);
  for (const p of policies) {
    const spec = p.spec as {
      ingress?: { ports?: { port?: number; protocol?: string }[] }[];
      egress?: { ports?: { port?: number; protocol?: string }[] }[];
    };
    for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
      for (const port of rule.ports ?? [])
        if ((port.protocol ?? 'TCP') === 'TCP' && typeof port.port === 'number')
          ports.add(port.port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** One line per source: the destinations it reaches, each with the ports. */
function lines(matrix: Matrix): string[] {
  return Object.keys(matrix)
    .sort()
    .map(
      src =>
        `${src} -> ${
          Object.entries(matrix[src])
            .filter(([, ports]) => ports.length > 0)
            .map(([dst, ports]) => `${dst}:${ports.join(',')}`)
            .join(' ') || '(nothing)'
        }`,
    );
}

const kubectl = (args: string[]) => tool(testbed(), 'kubectl', args);

afterAll(async () => {
  if (namespaces.length)
    await kubectl(['delete', 'namespace', '--wait=false', ...namespaces]).catch(
      () => undefined,
    );
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the rendered NetworkPolicies on the real nodes', () => {
  it('let through exactly what the analyzer computes, port by port: no dev-tier namespace reaches a prod one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'uyoop-k8s-probe-'));
    const platform = await loadPlatform();
    const plan = clusterPlan(platform);
    const managed = new Set(plan.namespaces.map(n => n.name));
    const objects = renamed(
      platformObjects(plan).filter(
        o => o.kind === 'Namespace' || o.kind === 'NetworkPolicy',
      ),
      managed,
    );
    namespaces = plan.namespaces.map(n => copyOf(n.name));
    const ports = probedPorts(objects.filter(o => o.kind === 'NetworkPolicy'));

    // What the analyzer says, for each port, between the copies.
    const inputs = policyInputs(objects, [SYSTEM_NAMESPACE]);
    const expected: Matrix = {};
    for (const src of namespaces) {
      expected[src] = {};
      for (const dst of namespaces) expected[src][dst] = [];
    }
    for (const port of ports) {
      const m = reachabilityMatrix(inputs.namespaces, inputs.policies, {
        port,
        protocol: 'TCP',
      });
      for (const src of namespaces)
        for (const dst of namespaces)
          if (m.allowed[src][dst]) expected[src][dst].push(port);
    }

    // One pod per namespace, on the node most of its services run on.
    const nodeOf = (name: string) =>
      mostCommon(
        plan.namespaces.find(n => n.name === name)!.workloads.map(w => w.node),
      ) ?? 'core-prod';
    const serve = ports.map(p => `httpd -p ${p} -h /www`).join(' && ');
    const pods = plan.namespaces.map(ns => {
      const node = platform.nodes.find(n => n.name === nodeOf(ns.name))!;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probe', namespace: copyOf(ns.name) },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': node.name },
          tolerations: tolerating(node.taints),
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'probe',
              image: busybox(),
              imagePullPolicy: 'Never',
              command: [
                'sh',
                '-c',
                `mkdir -p /www && echo ok > /www/index.html && ${serve} && trap "exit 0" TERM; sleep 3600 & wait`,
              ],
              readinessProbe: {
                tcpSocket: { port: ports[ports.length - 1] },
                periodSeconds: 1,
              },
            },
          ],
        },
      };
    });
    const file = join(dir, 'objects.json');
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [...objects, ...pods],
      }),
    );
    await kubectl([
      'apply',
      '--server-side',
      '--field-manager=uyoop-k8s',
      '-f',
      file,
    ]);
    await Promise.all(
      namespaces.map(ns =>
        kubectl([
          'wait',
          '-n',
          ns,
          '--for=condition=Ready',
          'pod/probe',
          '--timeout=180s',
        ]),
      ),
    );
    const ip: Record<string, string> = {};
    for (const ns of namespaces)
      ip[ns] = (
        await kubectl([
          'get',
          'pod',
          'probe',
          '-n',
          ns,
          '-o',
          'jsonpath={.status.podIP}',
        ])
      ).trim();

    // Every pod tries every pod on every port, all at once, 2 s per attempt.
    const targets = namespaces
      .flatMap(dst => ports.map(p => `${dst}:${ip[dst]}:${p}`))
      .join(' ');
    const script = `for t in ${targets}; do (
      d=\${t%%:*}; r=\${t#*:}; a=\${r%%:*}; p=\${r#*:}
      out=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 $a $p 2>/dev/null)
      case "$out" in HTTP/1.*) echo "$d $p";; esac
    ) & done; wait`;
    const observe = async (): Promise<Matrix> => {
      const observed: Matrix = {};
      await Promise.all(
        namespaces.map(async src => {
          observed[src] = {};
          for (const dst of namespaces) observed[src][dst] = [];
          const out = await kubectl([
            'exec',
            '-n',
            src,
            'probe',
            '--',
            'sh',
            '-c',
            script,
          ]);
          for (const line of out.split('\n').filter(Boolean)) {
            const [dst, port] = line.split(' ');
            observed[src][dst].push(Number(port));
          }
          for (const dst of namespaces)
            observed[src][dst].sort((a, b) => a - b);
        }),
      );
      return observed;
    };
    // kube-router enforces a new policy or pod within seconds, not at once.
    let observed: Matrix = {};
    await until(
      'the observed matrix to equal the computed one',
      async () => {
        observed = await observe();
        return JSON.stringify(observed) === JSON.stringify(expected)
          ? true
          : undefined;
      },
      120_000,
    ).catch(() => undefined);
    console.log(
      [
        `ports probed: ${ports.join(', ')}`,
        'computed:',
        ...lines(expected),
        'observed:',
        ...lines(observed),
      ].join('\n'),
    );
    expect(lines(observed)).toEqual(lines(expected));

    // The guarantees a reader cares about, observed.
    const tier = (ns: string) =>
      plan.namespaces.find(n => copyOf(n.name) === ns)!.tier;
    const devToProd = namespaces.flatMap(src =>
      namespaces
        .filter(dst => tier(src) === 'dev' && tier(dst) === 'prod')
        .filter(dst => observed[src][dst].length > 0)
        .map(dst => `${src} -> ${dst}`),
    );
    expect(devToProd).toEqual([]);
    const open = namespaces.filter(
      ns => observed[ns][ns].length === ports.length,
    );
    expect(open).toEqual(namespaces); // pods of one namespace talk freely
    expect(
      namespaces.some(
        src =>
          src !== copyOf('monitoring') &&
          observed[copyOf('monitoring')][src].length > 0,
      ),
    ).toBe(true); // Prometheus scrapes get through
  });
});
