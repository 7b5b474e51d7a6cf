/*
 * The platform's edge, for real on the testbed's nodes: Traefik (started by
 * `yarn testbed up` as K3s bundles it, on ports 80 and 443 of its catalog
 * node), cert-manager's controllers and Pebble, Let's Encrypt's ACME test
 * server. The rendered objects of prod-web and security (namespace, quota,
 * NetworkPolicies, Traefik middlewares and routes, Certificate) are applied
 * as copies of this run, beside two stand-ins: Ghost (it echoes the request
 * headers it receives) and Authelia's forward-auth endpoint (it answers as
 * `/api/authz/forward-auth` does: a redirect to the portal without a session,
 * 200 with Remote-User and Remote-Groups with one).
 *
 * What a copy changes, and only that: the namespaces' names; the middleware's
 * verify address points at the security copy; the Certificate is issued by a
 * ClusterIssuer of this run pointing at Pebble (the platform's own generator,
 * with Pebble's directory and CA); the routes' priorities are raised so that
 * other copies of the same hosts on the cluster never take this run's requests.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadPlatform, Platform } from '@internal/platform';
import {
  CERT_MANAGER_NAMESPACE,
  certManagerObjects,
  createContext,
  PEBBLE_DIRECTORY,
  pebbleFiles,
  pebbleObjects,
  PebbleFiles,
  portForward,
  runId,
  testbed,
  tool,
  until,
} from '@internal/testbed';
import {
  httpsGet,
  traefikAddress,
  viaTraefik,
} from '@internal/testbed/src/https';
import { busybox } from '@internal/testbed/src/pods';
import { clusterPlan, KubeObject, platformObjects } from '.';
import { renamedNamespaces } from './copies';
import { acmeClusterIssuer, MIDDLEWARES } from './ingress';
import { DOMAIN } from './profiles';

jest.setTimeout(900_000);

const run = runId();
const WEB = 'prod-web';
const SSO = 'security';
const copyOf = (name: string) => `${name}-${run}`;
const issuer = `pebble-${run}`;
const kubectl = (args: string[]) => tool(testbed(), 'kubectl', args);

/** Reads the request's headers, then answers with them: what Ghost would have been sent. */
const echoScript = `#!/bin/sh
headers=""
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
  headers="$headers$line
"
done
printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s' "$headers"
`;

/** Authelia's forward-auth answers: 302 to the portal without the session cookie, 200 and the user's headers with it. */
const verifyScript = `#!/bin/sh
cookie=""; host=""; uri=""; proto=""
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
  case "$line" in
    [Cc]ookie:*) cookie="\${line#*: }" ;;
    [Xx]-[Ff]orwarded-[Hh]ost:*) host="\${line#*: }" ;;
    [Xx]-[Ff]orwarded-[Uu]ri:*) uri="\${line#*: }" ;;
    [Xx]-[Ff]orwarded-[Pp]roto:*) proto="\${line#*: }" ;;
  esac
done
case "$cookie" in
  *authelia_session=alice-session*)
    printf 'HTTP/1.0 200 OK\\r\\nRemote-User: alice\\r\\nRemote-Groups: admins,devops\\r\\nRemote-Email: alice@${DOMAIN}\\r\\nRemote-Name: Alice\\r\\n\\r\\n' ;;
  *)
    printf 'HTTP/1.0 302 Found\\r\\nLocation: https://auth.${DOMAIN}/?rd=%s://%s%s\\r\\n\\r\\n' "$proto" "$host" "$uri" ;;
esac
`;

let dir: string;
let platform: Platform;
let objects: KubeObject[];
let traefik: string;
let pebble: PebbleFiles;
let pebbleRoot: string;

const copyObjects = (): KubeObject[] => {
  const plan = clusterPlan(platform);
  const managed = new Set(plan.namespaces.map(n => n.name));
  const kinds = new Set([
    'Namespace',
    'ResourceQuota',
    'LimitRange',
    'NetworkPolicy',
    'Middleware',
    'IngressRoute',
    'Certificate',
  ]);
  const all = platformObjects(plan);
  const here = all.filter(o =>
    o.kind === 'Namespace'
      ? [WEB, SSO].includes(o.metadata.name)
      : [WEB, SSO].includes(o.metadata.namespace ?? ''),
  );
  // The stand-ins answer behind the platform's own Services, with their pods' labels.
  const standIn = (
    namespace: string,
    name: string,
    script: string,
    port: number,
  ): KubeObject[] => {
    const workload = here.find(
      o =>
        o.metadata.namespace === namespace &&
        o.metadata.name === name &&
        /Deployment|StatefulSet/.test(o.kind),
    )!;
    const labels = (
      workload.spec as {
        template: { metadata: { labels: Record<string, string> } };
      }
    ).template.metadata.labels;
    const service = here.find(
      o =>
        o.kind === 'Service' &&
        o.metadata.namespace === namespace &&
        o.metadata.name === name,
    )!;
    return [
      service,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-stand-in`, namespace },
        data: { 'serve.sh': script },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-stand-in`, namespace, labels },
        spec: {
          nodeSelector: {
            'kubernetes.io/hostname': platform.services.find(
              s => s.name === name,
            )!.nodes[0],
          },
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: busybox(),
              imagePullPolicy: 'Never',
              command: [
                'nc',
                '-ll',
                '-p',
                String(port),
                '-e',
                '/stand-in/serve.sh',
              ],
              ports: [{ containerPort: port }],
              readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
              resources: {
                requests: { cpu: '10m', memory: '16Mi' },
                limits: { cpu: '100m', memory: '32Mi' },
              },
              volumeMounts: [{ name: 'stand-in', mountPath: '/stand-in' }],
            },
          ],
          volumes: [
            {
              name: 'stand-in',
              configMap: { name: `${name}-stand-in`, defaultMode: 0o755 },
            },
          ],
        },
      },
    ];
  };
  const chosen = [
    ...here.filter(o => kinds.has(o.kind)),
    ...standIn(WEB, 'ghost', echoScript, 2368),
    ...standIn(SSO, 'authelia', verifyScript, 9091),
  ];
  return renamedNamespaces(chosen, managed, copyOf).map(o => {
    if (o.kind === 'Middleware' && o.metadata.name === MIDDLEWARES.auth) {
      const spec = o.spec as { forwardAuth: { address: string } };
      spec.forwardAuth.address = spec.forwardAuth.address.replace(
        `.${SSO}.svc`,
        `.${copyOf(SSO)}.svc`,
      );
    }
    if (o.kind === 'Certificate')
      (o.spec as { issuerRef: { name: string } }).issuerRef.name = issuer;
    if (o.kind === 'IngressRoute')
      for (const r of (
        o.spec as { routes: { priority?: number; match: string }[] }
      ).routes)
        r.priority = 100_000 + (r.priority ?? r.match.length);
    return o;
  });
};

async function applyList(name: string, items: unknown[]) {
  const file = join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
  await kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=uyoop-k8s',
    '-f',
    file,
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uyoop-edge-'));
  platform = await loadPlatform();
  const ctx = createContext();
  const node = (service: string) =>
    platform.services.find(s => s.name === service)!.nodes[0];
  traefik = traefikAddress(platform);
  pebble = await pebbleFiles(ctx);

  const [namespace, ...rest] = certManagerObjects(ctx, node('cert-manager'));
  await applyList('cert-manager', [namespace]);
  await applyList('acme', [
    ...rest,
    ...pebbleObjects(ctx, node('cert-manager'), pebble),
  ]);
  objects = copyObjects();
  await applyList('copies', [
    acmeClusterIssuer(issuer, PEBBLE_DIRECTORY, pebble.ca).toJSON(),
    ...objects,
  ]);
  for (const d of ['pebble', 'cert-manager'])
    await kubectl([
      '-n',
      CERT_MANAGER_NAMESPACE,
      'rollout',
      'status',
      `deployment/${d}`,
      '--timeout=180s',
    ]);
  for (const [ns, pod] of [
    [copyOf(WEB), 'ghost-stand-in'],
    [copyOf(SSO), 'authelia-stand-in'],
  ])
    await kubectl([
      'wait',
      '-n',
      ns,
      '--for=condition=Ready',
      `pod/${pod}`,
      '--timeout=180s',
    ]);
});

afterAll(async () => {
  await kubectl([
    'delete',
    'clusterissuer',
    issuer,
    '--ignore-not-found',
  ]).catch(() => undefined);
  await kubectl([
    'delete',
    'namespace',
    '--wait=false',
    '--ignore-not-found',
    copyOf(WEB),
    copyOf(SSO),
    CERT_MANAGER_NAMESPACE,
  ]).catch(() => undefined);
  await kubectl([
    'delete',
    'clusterrolebinding,clusterrole',
    'uyoop:cert-manager',
    '--ignore-not-found',
  ]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const certificate = () => objects.find(o => o.kind === 'Certificate')!;
const hosts = () => (certificate().spec as { dnsNames: string[] }).dnsNames;

describe('the platform edge on the real nodes', () => {
  it('runs Traefik, cert-manager and Pebble Ready on the catalog node', async () => {
    const pods = JSON.parse(
      await kubectl([
        'get',
        'pods',
        '-A',
        '-l',
        'app.kubernetes.io/name in (traefik,cert-manager,pebble)',
        '-o',
        'json',
      ]),
    ) as {
      items: {
        metadata: { labels: Record<string, string> };
        spec: { nodeName: string };
        status: { conditions?: { type: string; status: string }[] };
      }[];
    };
    const seen = Object.fromEntries(
      pods.items.map(p => [
        p.metadata.labels['app.kubernetes.io/name'],
        `${p.spec.nodeName} ${
          p.status.conditions?.find(c => c.type === 'Ready')?.status
        }`,
      ]),
    );
    const node = (s: string) =>
      platform.services.find(x => x.name === s)!.nodes[0];
    expect(seen).toEqual({
      traefik: `${node('traefik')} True`,
      'cert-manager': `${node('cert-manager')} True`,
      pebble: `${node('cert-manager')} True`,
    });
  });

  it("issues the namespace's Certificate over ACME HTTP-01, answered through Traefik", async () => {
    const ns = copyOf(WEB);
    const name = certificate().metadata.name;
    const ready = await until(
      `Certificate ${ns}/${name} to be Ready`,
      async () => {
        const c = JSON.parse(
          await kubectl(['get', 'certificate', '-n', ns, name, '-o', 'json']),
        ) as {
          status?: {
            conditions?: { type: string; status: string; message?: string }[];
          };
        };
        const cond = c.status?.conditions?.find(x => x.type === 'Ready');
        return cond?.status === 'True' ? cond : undefined;
      },
      300_000,
    );
    expect(ready.status).toBe('True');
    // Pebble accepted the order (the issuer's only solver is HTTP-01 through Traefik).
    const orders = JSON.parse(
      await kubectl([
        'get',
        'orders.acme.cert-manager.io',
        '-n',
        ns,
        '-o',
        'json',
      ]),
    ) as {
      items: { status: { state: string } }[];
    };
    expect(orders.items.map(o => o.status.state)).toContain('valid');
    const secret = JSON.parse(
      await kubectl(['get', 'secret', '-n', ns, name, '-o', 'json']),
    ) as { data: Record<string, string> };
    const leaf = new X509Certificate(
      Buffer.from(secret.data['tls.crt'], 'base64'),
    );
    expect(
      leaf.subjectAltName
        ?.split(', ')
        .map(s => s.replace(/^DNS:/, ''))
        .sort(),
    ).toEqual([...hosts()].sort());
    expect(leaf.issuer).toMatch(/Pebble/);
  });

  it('serves the site over HTTPS to a client that trusts only Pebble’s root, with the security headers', async () => {
    pebbleRoot = await rootOfPebble();
    for (const host of hosts()) {
      const r = await viaTraefik(traefik, host, '/', { ca: pebbleRoot });
      expect(r.status).toBe(200);
      expect(r.headers['strict-transport-security']).toBe(
        'max-age=31536000; includeSubDomains; preload',
      );
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      // The public path reaches Ghost without any identity.
      expect(r.body).toMatch(
        new RegExp(`^Host: ${host.replace(/\./g, '\\.')}$`, 'mi'),
      );
      expect(r.body).not.toMatch(/^Remote-User:/im);
    }
    // Pebble's CA is trusted by nobody else: a client with the public roots refuses the certificate.
    await expect(
      viaTraefik(traefik, hosts()[0], '/', { ca: '' }),
    ).rejects.toThrow(/certificate/i);
  });

  it('sends every guarded request through the forward-auth chain: a redirect without a session, the user with one', async () => {
    const host = hosts().find(h => h.startsWith('www.')) ?? hosts()[0];
    const guarded = '/ghost/#/dashboard';
    const anonymous = await viaTraefik(
      traefik,
      host,
      '/ghost/',
      { ca: pebbleRoot },
      { 'Remote-User': 'mallory' },
    );
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe(
      `https://auth.${DOMAIN}/?rd=https://${host}/ghost/`,
    );
    expect(anonymous.body).not.toMatch(/mallory/);

    const signedIn = await viaTraefik(
      traefik,
      host,
      guarded.split('#')[0],
      { ca: pebbleRoot },
      {
        Cookie: 'authelia_session=alice-session',
        'Remote-User': 'mallory',
      },
    );
    expect(signedIn.status).toBe(200);
    const received = signedIn.body
      .split('\n')
      .filter(l => /^Remote-/i.test(l))
      .sort();
    expect(received).toEqual([
      `Remote-Email: alice@${DOMAIN}`,
      'Remote-Groups: admins,devops',
      'Remote-Name: Alice',
      'Remote-User: alice',
    ]);
  });
});

/** Pebble's root, from its management API (port 15000, HTTPS with Pebble's own test certificate for 127.0.0.1). */
async function rootOfPebble(): Promise<string> {
  const forward = await portForward(
    testbed(),
    CERT_MANAGER_NAMESPACE,
    'svc/pebble',
    15000,
  );
  try {
    const r = await httpsGet({
      host: '127.0.0.1',
      port: forward.port,
      path: '/roots/0',
      ca: pebble.ca,
    });
    if (r.status !== 200 || !r.body.includes('BEGIN CERTIFICATE'))
      throw new Error(
        `Pebble gave no root (HTTP ${r.status}): ${r.body.slice(0, 200)}`,
      );
    return r.body;
  } finally {
    await forward.stop();
  }
}
