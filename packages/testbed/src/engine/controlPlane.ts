/**
 * The Kubernetes control plane as K3s runs it on the server node: kine
 * (etcd API over SQLite), kube-apiserver, kube-controller-manager and
 * kube-scheduler. The API server listens on the lab bridge, where the nodes'
 * kubelets and this machine's clients both reach it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { binDir } from './builds';
import { paths, TestbedContext } from './context';
import { runningPid, start, stop, waitFor } from './daemons';
import { certFiles, createControlPlanePki, writeKubeconfig } from './pki';

export const apiserverUrl = (ctx: TestbedContext) =>
  `https://${ctx.lab.hostAddress}:${ctx.ports.apiserver}`;

export const controlPlaneDaemons = [
  'kine',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

export const portOpen = (host: string, port: number) =>
  new Promise<boolean>(resolve => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** kubectl against the testbed as its admin. */
export async function kubectl(
  ctx: TestbedContext,
  args: string[],
  input?: string,
) {
  const r = await ctx.run.run(
    join(binDir(ctx, 'kubernetes'), 'kubectl'),
    ['--kubeconfig', paths(ctx).kubeconfig, ...args],
    { input },
  );
  return r.stdout;
}

/** Applies Kubernetes objects (server-side, so that re-applying is a no-op). */
export async function apply(ctx: TestbedContext, objects: unknown[]) {
  if (!objects.length) return;
  await kubectl(
    ctx,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=uyoop-testbed', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

export async function controlPlaneUp(ctx: TestbedContext) {
  const { pki, kubeconfig, state } = { ...paths(ctx), state: ctx.state };
  await createControlPlanePki(ctx);
  const server = apiserverUrl(ctx);
  writeKubeconfig(ctx, kubeconfig, 'admin', server);
  for (const c of ['controller-manager', 'scheduler'])
    writeKubeconfig(ctx, join(pki, `${c}.kubeconfig`), c, server);
  const k8s = binDir(ctx, 'kubernetes');
  const tls = (name: string) => certFiles(ctx, name);

  if (!runningPid(ctx, 'kine')) {
    const dir = join(state, 'kine');
    mkdirSync(dir, { recursive: true });
    // kine serves metrics on *:8080 by default: off (Velero's manager needs 8080)
    start(ctx, 'kine', join(binDir(ctx, 'kine'), 'kine'), [
      '--listen-address', `${ctx.addr}:${ctx.ports.kine}`,
      '--metrics-bind-address', '0',
      '--endpoint', `sqlite://${dir}/state.db?_journal=WAL&cache=shared&_busy_timeout=30000`,
    ]);
    await waitFor(ctx, 20, `kine on port ${ctx.ports.kine}`, () =>
      portOpen(ctx.addr, ctx.ports.kine),
    );
  }

  if (!runningPid(ctx, 'kube-apiserver')) {
    start(ctx, 'kube-apiserver', join(k8s, 'kube-apiserver'), [
      '--etcd-servers', `http://${ctx.addr}:${ctx.ports.kine}`,
      '--bind-address', ctx.lab.hostAddress,
      '--advertise-address', ctx.lab.hostAddress,
      '--secure-port', String(ctx.ports.apiserver),
      '--tls-cert-file', tls('apiserver').cert,
      '--tls-private-key-file', tls('apiserver').key,
      '--client-ca-file', join(pki, 'ca.crt'),
      '--kubelet-client-certificate', tls('apiserver-kubelet-client').cert,
      '--kubelet-client-key', tls('apiserver-kubelet-client').key,
      '--kubelet-preferred-address-types', 'InternalIP,Hostname',
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', join(pki, 'sa.pub'),
      '--service-account-signing-key-file', join(pki, 'sa.key'),
      '--service-cluster-ip-range', ctx.serviceCidr,
      '--authorization-mode', 'Node,RBAC',
      '--enable-admission-plugins', 'NodeRestriction',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ]);
  }
  await waitFor(ctx, 90, `kube-apiserver on ${server}`, async () => {
    await kubectl(ctx, ['get', '--raw', '/readyz']);
    return true;
  });

  const component = (name: string, port: number, extra: string[]) => {
    if (runningPid(ctx, name)) return;
    const kc = join(pki, `${name.replace('kube-', '')}.kubeconfig`);
    start(ctx, name, join(k8s, name), [
      '--kubeconfig', kc,
      '--authentication-kubeconfig', kc,
      '--authorization-kubeconfig', kc,
      '--bind-address', ctx.addr,
      '--secure-port', String(port),
      '--leader-elect=false',
      '--profiling=false',
      ...extra,
    ]);
  };
  component('kube-controller-manager', ctx.ports.controllerManager, [
    '--use-service-account-credentials=true',
    '--service-account-private-key-file', join(pki, 'sa.key'),
    '--root-ca-file', join(pki, 'ca.crt'),
    '--cluster-signing-cert-file', join(pki, 'ca.crt'),
    '--cluster-signing-key-file', join(pki, 'ca.key'),
    // Each node gets a /24 of the pod range, which flannel then routes.
    '--allocate-node-cidrs=true',
    '--cluster-cidr', ctx.clusterCidr,
    '--node-cidr-mask-size', '24',
    '--service-cluster-ip-range', ctx.serviceCidr,
  ]);
  component('kube-scheduler', ctx.ports.scheduler, []);
  for (const [name, port] of [
    ['kube-controller-manager', ctx.ports.controllerManager],
    ['kube-scheduler', ctx.ports.scheduler],
  ] as const) {
    await waitFor(ctx, 30, `${name} health`, async () => {
      const r = await ctx.run.run(
        'curl',
        ['-skf', `https://${ctx.addr}:${port}/healthz`],
        { allowFail: true },
      );
      return r.code === 0;
    });
  }
}

export async function controlPlaneDown(ctx: TestbedContext) {
  for (const name of [...controlPlaneDaemons].reverse()) await stop(ctx, name);
  rmSync(join(ctx.state, 'kine'), { recursive: true, force: true });
}
