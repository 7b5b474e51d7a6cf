/**
 * The testbed's life cycle: build, up, down, status. Each step says what it
 * does; a second `up` finds everything running and does nothing; `down`
 * stops what `up` started, by pid, and restores what the nodes changed on
 * this machine.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { loadPlatform } from '@internal/platform';
import { corednsObjects, localPathObjects, traefikObjects } from './addons';
import { binDir, buildAll } from './builds';
import { crdFiles } from './crds';
import { paths, TestbedContext } from './context';
import {
  apiserverUrl,
  apply,
  controlPlaneDaemons,
  controlPlaneDown,
  controlPlaneUp,
  kubectl,
  portOpen,
} from './controlPlane';
import { runningPid, waitFor } from './daemons';
import { buildImages } from './images';
import {
  buildNodeLayer,
  labNetworkDown,
  labNetworkUp,
  labNodes,
  nodePid,
  nodesDown,
  nodesUp,
} from './nodes';
import {
  s3Daemons,
  s3Down,
  s3Endpoint,
  s3Keys,
  s3Up,
  TestbedBuckets,
  testbedBuckets,
} from './s3';
import { veleroDown, veleroNamespace, veleroUp } from './velero';

export const daemons = [...s3Daemons, ...controlPlaneDaemons, 'velero'];

/** Host-wide sysctls that a kubelet sets even from inside a machine: restored by down. */
export const hostSysctls = [
  'vm.overcommit_memory',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
];

async function step<T>(ctx: TestbedContext, what: string, fn: () => Promise<T>) {
  const t0 = Date.now();
  ctx.log.step(`${what}...`);
  const out = await fn();
  ctx.log.step(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/** One testbed command at a time: a lock file held for the command's life. */
function takeLock(ctx: TestbedContext): () => void {
  mkdirSync(ctx.state, { recursive: true });
  const lock = join(ctx.state, '.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    try {
      process.kill(pid, 0);
      throw new Error(
        `another 'testbed' command is running (pid ${pid}, lock ${lock})`,
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

/** Builds every tool, the node layer and the images (cached). */
export async function build(ctx: TestbedContext) {
  mkdirSync(ctx.cache, { recursive: true });
  await step(ctx, 'Go builds (cached by version)', () => buildAll(ctx));
  await step(ctx, 'CRDs of Traefik, cert-manager and the Prometheus operator (Go modules)', () =>
    crdFiles(ctx),
  );
  const layer = await step(ctx, 'node layer (Debian packages)', () =>
    buildNodeLayer(ctx),
  );
  const images = await step(ctx, 'images (cached by content)', () =>
    buildImages(ctx),
  );
  return { layer, images };
}

export async function isUp(ctx: TestbedContext): Promise<boolean> {
  if (!existsSync(paths(ctx).env)) return false;
  if (daemons.some(d => !runningPid(ctx, d))) return false;
  const platform = await loadPlatform({ root: ctx.repoRoot });
  return labNodes(ctx, platform.nodes).every(n => nodePid(n));
}

/** Fails before starting anything when a port of a stopped component is taken. */
async function checkPorts(ctx: TestbedContext) {
  const { ports } = ctx;
  const checks: [string, number, string][] = [
    ['ceph-mon', ports.cephMon, 'ceph-mon'],
    ['radosgw', ports.s3, 'radosgw (S3)'],
    ['kine', ports.kine, 'kine'],
    ['kube-controller-manager', ports.controllerManager, 'kube-controller-manager'],
    ['kube-scheduler', ports.scheduler, 'kube-scheduler'],
    ['velero', ports.veleroMetrics, 'velero metrics'],
    ['velero', 8080, 'velero controller-runtime metrics (fixed by Velero, no flag)'],
  ];
  for (const [daemon, port, what] of checks) {
    if (runningPid(ctx, daemon)) continue;
    if (await portOpen(ctx.addr, port)) {
      // When ss is missing, the port alone is named.
      const ss = await ctx.run.run('ss', ['-Hltnp', `sport = :${port}`], { allowFail: true });
      const who = ss.stdout.match(/users:\(\([^)]*\)\)/)?.[0] ?? '';
      throw new Error(
        `port ${port} (${what}) is already in use${who ? ` by ${who}` : ''}; stop it or set the port's TESTBED_*_PORT variable`,
      );
    }
  }
}

async function saveHostSysctls(ctx: TestbedContext) {
  const file = join(ctx.state, 'host-sysctls.json');
  if (existsSync(file)) return;
  const values: Record<string, string> = {};
  for (const key of hostSysctls) {
    const r = await ctx.run.run('sysctl', ['-n', key], { allowFail: true });
    if (r.code === 0) values[key] = r.stdout.trim();
  }
  writeFileSync(file, JSON.stringify(values, null, 2));
}

async function restoreHostSysctls(ctx: TestbedContext) {
  const file = join(ctx.state, 'host-sysctls.json');
  if (!existsSync(file)) return;
  const values = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [k, v] of Object.entries(values))
    await ctx.run.run('sysctl', ['-q', '-w', `${k}=${v}`], { allowFail: true });
  rmSync(file);
}

export interface Endpoints {
  kubeApi: string;
  kubeconfig: string;
  s3: string;
  buckets: TestbedBuckets;
  veleroNamespace: string;
  bin: string;
  env: string;
}

export const endpoints = (ctx: TestbedContext, buckets: TestbedBuckets): Endpoints => ({
  kubeApi: apiserverUrl(ctx),
  kubeconfig: paths(ctx).kubeconfig,
  s3: s3Endpoint(ctx),
  buckets,
  veleroNamespace,
  bin: paths(ctx).bin,
  env: paths(ctx).env,
});

export function formatEndpoints(e: Endpoints): string {
  return [
    `  Kubernetes API  ${e.kubeApi}  (KUBECONFIG=${e.kubeconfig})`,
    `  S3 (radosgw)    ${e.s3}  buckets: ${e.buckets.velero}, ${e.buckets.locked} (object lock ${e.buckets.lockMode}, ${e.buckets.lockDays} days)`,
    `  Velero          namespace ${e.veleroNamespace}, BackupStorageLocation default -> s3://${e.buckets.velero}`,
    `  tools           ${e.bin} (kubectl, velero, helm, restic)`,
    `  environment     ${e.env}`,
  ].join('\n');
}

function writeEnv(ctx: TestbedContext, buckets: TestbedBuckets) {
  const { bin, env, kubeconfig } = paths(ctx);
  mkdirSync(bin, { recursive: true });
  for (const [tool, dir] of [
    ['kubectl', binDir(ctx, 'kubernetes')],
    ['velero', binDir(ctx, 'velero')],
    ['helm', binDir(ctx, 'helm')],
  ]) {
    rmSync(join(bin, tool), { force: true });
    symlinkSync(join(dir, tool), join(bin, tool));
  }
  rmSync(join(bin, 'restic'), { force: true });
  symlinkSync('/usr/bin/restic', join(bin, 'restic'));
  const keys = s3Keys(ctx);
  const lines = {
    KUBECONFIG: kubeconfig,
    TESTBED_KUBE_API: apiserverUrl(ctx),
    TESTBED_BIN: bin,
    TESTBED_S3_ENDPOINT: s3Endpoint(ctx),
    TESTBED_S3_REGION: ctx.region,
    TESTBED_S3_BUCKET_VELERO: buckets.velero,
    TESTBED_S3_BUCKET_LOCKED: buckets.locked,
    AWS_ENDPOINT_URL_S3: s3Endpoint(ctx),
    AWS_REGION: ctx.region,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    VELERO_NAMESPACE: veleroNamespace,
  };
  writeFileSync(
    env,
    [
      '# Written by yarn testbed up; secrets are fresh for each cold start. Load with: set -a; . .testbed/env; set +a',
      ...Object.entries(lines).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

export async function up(ctx: TestbedContext): Promise<{ alreadyUp: boolean }> {
  const release = takeLock(ctx);
  try {
    if (await isUp(ctx)) {
      ctx.log.step('testbed is already up: nothing to do');
      return { alreadyUp: true };
    }
    const t0 = Date.now();
    await checkPorts(ctx);
    const platform = await loadPlatform({ root: ctx.repoRoot });
    const { layer, images } = await build(ctx);
    await saveHostSysctls(ctx);
    await step(ctx, `lab bridge ${ctx.lab.bridge} (${ctx.lab.hostAddress})`, () =>
      labNetworkUp(ctx),
    );
    // S3 (Ceph, about 15 s cold) and Kubernetes start side by side.
    const [keys] = await Promise.all([
      step(ctx, 'S3 with Object Lock (Ceph radosgw)', () => s3Up(ctx)),
      step(ctx, 'control plane (kine, apiserver, controller-manager, scheduler)', () =>
        controlPlaneUp(ctx),
      ),
    ]);
    await step(ctx, 'nodes core-prod and ai-lab (kubelet, containerd, flannel on wg0)', () =>
      nodesUp(ctx, images, layer),
    );
    await step(ctx, 'CoreDNS and the local-path provisioner', async () => {
      await apply(ctx, [...corednsObjects(ctx, platform.domains), ...localPathObjects(ctx)]);
      for (const d of ['coredns', 'local-path-provisioner'])
        await kubectl(ctx, ['-n', 'kube-system', 'rollout', 'status', `deployment/${d}`, '--timeout=180s']);
    });
    await step(ctx, 'CRDs of Traefik, cert-manager and the Prometheus operator', async () => {
      const files = (await crdFiles(ctx)).flatMap(c => c.files);
      await kubectl(ctx, ['apply', '--server-side', '--force-conflicts', ...files.flatMap(f => ['-f', f])]);
      await kubectl(ctx, ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    });
    const traefikNode = platform.services.find(s => s.name === 'traefik')?.nodes[0];
    if (!traefikNode) throw new Error('the catalog places no traefik on a node');
    await step(ctx, `Traefik on ${traefikNode} (ports 80 and 443)`, async () => {
      await apply(ctx, traefikObjects(ctx, traefikNode));
      await kubectl(ctx, ['-n', 'kube-system', 'rollout', 'status', 'deployment/traefik', '--timeout=180s']);
    });
    await step(ctx, 'Velero and its node agents', async () => {
      await veleroUp(ctx, keys);
      await kubectl(ctx, ['-n', veleroNamespace, 'rollout', 'status', 'daemonset/node-agent', '--timeout=180s']);
    });
    writeEnv(ctx, await testbedBuckets(ctx));
    ctx.log.step(`testbed up in ${Math.round((Date.now() - t0) / 1000)} s`);
    return { alreadyUp: false };
  } finally {
    release();
  }
}

export async function down(ctx: TestbedContext) {
  const release = takeLock(ctx);
  try {
    await veleroDown(ctx);
    await nodesDown(ctx);
    await controlPlaneDown(ctx);
    await s3Down(ctx);
    await labNetworkDown(ctx);
    await restoreHostSysctls(ctx);
    for (const p of [paths(ctx).env, paths(ctx).bin, paths(ctx).run, paths(ctx).pki, paths(ctx).kubeconfig, paths(ctx).nodes])
      rmSync(p, { recursive: true, force: true });
    ctx.log.step('testbed down');
  } finally {
    release();
  }
}

export interface Status {
  running: boolean;
  daemons: { name: string; pid?: number }[];
  nodes: { name: string; pid?: number; labAddress: string; meshAddress: string }[];
  endpoints: Endpoints;
}

export async function status(ctx: TestbedContext): Promise<Status> {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  const nodes = labNodes(ctx, platform.nodes).map(n => ({
    name: n.node.name,
    pid: nodePid(n),
    labAddress: n.labAddress,
    meshAddress: n.node.meshAddress,
  }));
  return {
    running: await isUp(ctx),
    daemons: daemons.map(name => ({ name, pid: runningPid(ctx, name) })),
    nodes,
    endpoints: endpoints(ctx, await testbedBuckets(ctx)),
  };
}

export function formatStatus(s: Status): string {
  const line = (name: string, pid?: number) =>
    `  ${name}: ${pid ? `running (pid ${pid})` : 'stopped'}`;
  return [
    ...s.daemons.map(d => line(d.name, d.pid)),
    ...s.nodes.map(n => `${line(`node ${n.name}`, n.pid)}  ${n.labAddress}, mesh ${n.meshAddress}`),
    formatEndpoints(s.endpoints),
    s.running ? 'all components running' : 'not (fully) running',
  ].join('\n');
}

export { waitFor };
