/*
 * The golden paths' manifests on the testbed's real nodes: what the
 * web-service, static-site and namespace templates render (through the
 * platform's generators) is applied with server-side apply and strict
 * validation. The services' pods reach Ready on the node the form chose, and
 * answer through Traefik (on its node's port 443): the static site to anyone,
 * the web service to nobody without Authelia's say-so. A pod of the new dev
 * namespace cannot open a connection to the new prod service.
 *
 * The services' images are not built here: each container runs the testbed's
 * busybox answering HTTP on the service's port, under the rendered security
 * context (uid 10001, read-only root file system). Certificates stay pending
 * (cert-manager runs only in edge.testbed.test.ts, which proves TLS and the
 * forward-auth chain with the same generated objects), so the client accepts
 * Traefik's default certificate here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform } from '@internal/platform';
import { runId, testbed, tool, until } from '@internal/testbed';
import { traefikAddress, viaTraefik } from '@internal/testbed/src/https';
import { busybox } from '@internal/testbed/src/pods';
import {
  checkNewNamespace,
  checkNewService,
  namespaceManifests,
  serviceHost,
  serviceManifests,
  serviceNamespace,
} from './goldenPath';
import type { KubeObject } from './render';

jest.setTimeout(600_000);

const run = runId();
const kubectl = (args: string[]) => tool(testbed(), 'kubectl', args);

let platform: Platform;
let dir: string;
const namespaces: string[] = [];
const schedules: string[] = [];

const answer = (text: string, port: number) => [
  'sh',
  '-c',
  `while true; do printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n${text}\\n' | nc -l -p ${port}; done`,
];

/** The rendered objects, with the service's container running the busybox stand-in. */
function standIn(
  objects: KubeObject[],
  text: string,
  port: number,
): KubeObject[] {
  return objects.map(o => {
    if (o.kind !== 'Deployment') return o;
    const copy = JSON.parse(JSON.stringify(o)) as KubeObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const c = copy.spec.template.spec.containers[0];
    c.image = busybox();
    c.imagePullPolicy = 'Never';
    c.command = answer(text, port);
    return copy;
  });
}

async function applyAll(name: string, objects: KubeObject[]) {
  const file = join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  await kubectl([
    'apply',
    '--server-side',
    '--field-manager=uyoop-k8s',
    '--validate=strict',
    '-f',
    file,
  ]);
  for (const o of objects) {
    if (o.kind === 'Namespace') namespaces.push(o.metadata.name);
    if (o.kind === 'Schedule') schedules.push(o.metadata.name);
  }
}

const podNode = async (namespace: string, name: string) =>
  JSON.parse(
    await kubectl([
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      `app.kubernetes.io/name=${name}`,
      '-o',
      'json',
    ]),
  ).items.map((p: { spec: { nodeName: string } }) => p.spec.nodeName);

beforeAll(async () => {
  platform = await loadPlatform();
  dir = await mkdtemp(join(tmpdir(), 'uyoop-golden-'));
});

afterAll(async () => {
  if (schedules.length)
    await kubectl([
      'delete',
      'schedules.velero.io',
      '-n',
      'velero',
      '--ignore-not-found',
      ...schedules,
    ]).catch(() => undefined);
  if (namespaces.length)
    await kubectl([
      'delete',
      'namespace',
      '--wait=false',
      '--ignore-not-found',
      ...namespaces,
    ]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the golden paths on the real nodes', () => {
  const base = {
    owner: 'developers',
    system: 'web',
    image: 'registry.uyoop.fr/stand-in:0.1.0',
    port: 8080,
  };
  const web = {
    ...base,
    kind: 'web-service',
    name: `web-${run}`,
    tier: 'prod',
    node: 'core-prod',
  };
  const site = {
    ...base,
    kind: 'static-site',
    name: `site-${run}`,
    tier: 'dev',
    node: 'ai-lab',
  };

  it('run each service on the node the form chose, Ready, under the rendered security context', async () => {
    for (const input of [web, site]) {
      const s = checkNewService(platform, input);
      await applyAll(
        s.name,
        standIn(serviceManifests(platform, s), `hello from ${s.name}`, s.port),
      );
      await kubectl([
        '-n',
        serviceNamespace(s),
        'rollout',
        'status',
        `deployment/${s.name}`,
        '--timeout=180s',
      ]);
      expect(await podNode(serviceNamespace(s), s.name)).toEqual([input.node]);
    }
  });

  it('serve the static site through Traefik to anyone, and the web service to nobody without a sign-in', async () => {
    const s = checkNewService(platform, site);
    const page = await until(
      `${serviceHost(s)} through Traefik`,
      async () => {
        const r = await viaTraefik(
          traefikAddress(platform),
          serviceHost(s),
          '/',
          { insecure: true },
        );
        return r.status === 200 ? r : undefined;
      },
      60_000,
    );
    expect(page.body).toBe(`hello from ${s.name}\n`);
    // Traefik knows the web service's route (not a 404), but its forward-auth
    // answers before the service is ever asked.
    const w = checkNewService(platform, web);
    const guarded = await until(
      `${serviceHost(w)} routed by Traefik`,
      async () => {
        const r = await viaTraefik(
          traefikAddress(platform),
          serviceHost(w),
          '/',
          { insecure: true },
        );
        return r.status !== 404 ? r : undefined;
      },
      60_000,
    );
    expect(guarded.status).not.toBe(200);
    expect(guarded.body).not.toContain(`hello from ${w.name}`);
  });

  it('create a dev namespace whose pods cannot reach the new prod service', async () => {
    const ns = checkNewNamespace(platform, {
      name: `dev-${run}`,
      tier: 'dev',
      owner: 'developers',
      system: 'ai-lab',
    });
    await applyAll(ns.name, namespaceManifests(platform, ns));
    const labels = JSON.parse(
      await kubectl(['get', 'namespace', ns.name, '-o', 'json']),
    ).metadata.labels;
    expect(labels).toMatchObject({
      'uyoop.io/tier': 'dev',
      'uyoop.io/owner': 'developers',
      'uyoop.io/cost-centre': 'ai-lab',
    });
    const w = checkNewService(platform, web);
    const target = `${w.name}.${serviceNamespace(w)}.svc.cluster.local`;
    await kubectl([
      'run',
      'probe',
      '-n',
      ns.name,
      '--image',
      busybox(),
      '--image-pull-policy=Never',
      '--restart=Never',
      '--overrides',
      JSON.stringify({
        spec: { nodeSelector: { 'kubernetes.io/hostname': 'core-prod' } },
      }),
      '--',
      'sh',
      '-c',
      'trap "exit 0" TERM; sleep 600 & wait',
    ]);
    await kubectl([
      'wait',
      '-n',
      ns.name,
      '--for=condition=Ready',
      'pod/probe',
      '--timeout=120s',
    ]);
    const attempt = await kubectl([
      'exec',
      '-n',
      ns.name,
      'probe',
      '--',
      'sh',
      '-c',
      // The name resolves (DNS is allowed): what stops the connection is the policy.
      `nslookup ${target} >/dev/null && echo RESOLVED; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${target} 8080 | grep -q hello && echo REACHED || echo BLOCKED`,
    ]);
    expect(attempt.trim().split('\n').slice(-2)).toEqual([
      'RESOLVED',
      'BLOCKED',
    ]);
  });
});
