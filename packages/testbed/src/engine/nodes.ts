/**
 * The real nodes: core-prod and ai-lab as systemd machines (the Ansible node
 * lab's harness and root filesystem, plus a layer with containerd, runc,
 * iptables, ipset and wireguard-go from Debian), each running kubelet,
 * kube-proxy, flannel over a wireguard-go wg0 and kube-router, joined to the
 * testbed's API server over a bridge on this machine.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { alive, loadPlatform, PlatformNode } from '@internal/platform';
import {
  bootMachine,
  execIn,
  MachineSpec,
  mountRoot,
  nodeRootfs,
  planMesh,
  removeCgroups,
  unmountRoot,
  wireMachine,
} from '@internal/provision';
import { binDir } from './builds';
import { paths, TestbedContext } from './context';
import { apply, apiserverUrl, kubectl } from './controlPlane';
import { waitFor } from './daemons';
import { BuiltImage, imageRef } from './images';
import {
  cniConflist,
  containerdConfig,
  enabledUnits,
  flannelNetConf,
  inNode,
  hardwareFiles,
  kubeletConfig,
  kubeProxyConfig,
  nodeDropIns,
  nodeSysctls,
  nodeUnits,
  NodeSettings,
  wireguardConfig,
} from './nodeFiles';
import { certFiles, issue, writeKubeconfig } from './pki';

/** What the node layer installs from Debian, on top of the node lab's rootfs. */
export const nodePackages = [
  'containerd',
  'runc',
  'iptables',
  'ipset',
  'conntrack',
  'wireguard-go',
  'wireguard-tools',
  'socat',
];

export function nodeLayerDir(ctx: TestbedContext): string {
  const key = createHash('sha256')
    .update([realpathSync(nodeRootfs), ...nodePackages].join('\n'))
    .digest('hex')
    .slice(0, 12);
  return join(ctx.cache, `node-layer-${key}`);
}

/**
 * The node layer: Debian's packages installed in a chroot over the cached
 * rootfs; only the overlay's upper folder is kept. Cached by rootfs and
 * package list.
 */
export async function buildNodeLayer(ctx: TestbedContext): Promise<string> {
  if (!existsSync(join(nodeRootfs, '.uyoop-ready')))
    throw new Error(
      `no cached node rootfs at ${nodeRootfs}: run scripts/prepare.d/ansible-nodes.sh`,
    );
  const dir = nodeLayerDir(ctx);
  const layer = join(dir, 'layer');
  if (existsSync(join(dir, '.built'))) return layer;
  ctx.log.step(`building the node layer (${nodePackages.join(', ')}) into ${dir}`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const spec = { dir: partial } as MachineSpec;
  const merged = mountRoot({ ...spec, hostname: '', machine: '', nspawnArgs: [], layers: [] });
  const run = (args: string[]) =>
    ctx.run.run('chroot', [merged, ...args], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    copyFileSync('/etc/resolv.conf', join(merged, 'etc/resolv.conf'));
    writeFileSync(join(merged, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    await ctx.run.run('mount', ['-t', 'proc', 'proc', join(merged, 'proc')]);
    try {
      await run(['apt-get', 'update', '-qq']);
      await run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...nodePackages]);
      await run(['apt-get', 'clean']);
    } finally {
      await ctx.run.run('umount', [join(merged, 'proc')], { allowFail: true });
    }
    rmSync(join(merged, 'usr/sbin/policy-rc.d'));
    rmSync(join(merged, 'etc/resolv.conf'));
  } finally {
    unmountRoot({ dir: partial });
  }
  rmSync(join(partial, 'work'), { recursive: true, force: true });
  rmSync(join(partial, 'merged'), { recursive: true, force: true });
  renameSync(join(partial, 'upper'), join(partial, 'layer'));
  writeFileSync(join(partial, '.built'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  // Layers of an earlier rootfs or package list are dead weight.
  for (const d of readdirSync(ctx.cache))
    if (d.startsWith('node-layer-') && join(ctx.cache, d) !== dir)
      rmSync(join(ctx.cache, d), { recursive: true, force: true });
  return layer;
}

export interface LabNode {
  node: PlatformNode;
  index: number;
  labAddress: string;
  dir: string;
  netns: string;
  hostLink: string;
  cgroup: string;
  machine: string;
}

export function labNodes(ctx: TestbedContext, nodes: PlatformNode[]): LabNode[] {
  const base = ctx.lab.hostAddress.split('.').slice(0, 3).join('.');
  return nodes.map((node, index) => ({
    node,
    index,
    labAddress: `${base}.${11 + index}`,
    dir: join(paths(ctx).nodes, node.name),
    netns: `${ctx.namePrefix}-${node.name}`,
    hostLink: `${ctx.namePrefix}-v${index}`,
    cgroup: `${ctx.namePrefix}-${node.name}`,
    machine: `${ctx.namePrefix}-${node.name}`,
  }));
}

const nodePidFile = (n: LabNode) => join(n.dir, 'nspawn.pid');
const initPidFile = (n: LabNode) => join(n.dir, 'init.pid');

export function nodePid(n: LabNode): number | undefined {
  if (!existsSync(nodePidFile(n))) return undefined;
  const pid = Number(readFileSync(nodePidFile(n), 'utf8'));
  return alive(pid) ? pid : undefined;
}

export function nodeInitPid(n: LabNode): number {
  return Number(readFileSync(initPidFile(n), 'utf8'));
}

/** Runs a shell command inside a running node. */
export function inNodeExec(n: LabNode, command: string, allowFail = false) {
  return execIn(nodeInitPid(n), command, { allowFail, timeout: 120_000 });
}

/** The lab bridge on this machine, where the nodes and the host-side services meet. */
export async function labNetworkUp(ctx: TestbedContext) {
  const { bridge, hostAddress, prefix } = ctx.lab;
  const exists = await ctx.run.run('ip', ['link', 'show', bridge], { allowFail: true });
  if (exists.code !== 0) {
    await ctx.run.run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await ctx.run.run('ip', ['addr', 'add', `${hostAddress}/${prefix}`, 'dev', bridge]);
  }
  await ctx.run.run('ip', ['link', 'set', bridge, 'up']);
}

export async function labNetworkDown(ctx: TestbedContext) {
  await ctx.run.run('ip', ['link', 'del', ctx.lab.bridge], { allowFail: true });
}

async function wgKeys(ctx: TestbedContext) {
  const priv = (await ctx.run.run('wg', ['genkey'])).stdout.trim();
  const pub = (await ctx.run.run('wg', ['pubkey'], { input: `${priv}\n` })).stdout.trim();
  return { priv, pub };
}

function writeFiles(root: string, files: Record<string, string>, mode = 0o644) {
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text, { mode });
  }
}

/** Writes everything a node needs into its overlay before it boots. */
async function prepareNode(
  ctx: TestbedContext,
  n: LabNode,
  merged: string,
  wg: string,
  images: BuiltImage[],
) {
  const settings: NodeSettings = {
    node: n.node,
    labAddress: n.labAddress,
    apiserver: apiserverUrl(ctx),
    clusterCidr: ctx.clusterCidr,
    serviceCidr: ctx.serviceCidr,
    clusterDns: ctx.clusterDns,
    pauseImage: imageRef(ctx, 'pause'),
    kubeletExtraArgs: ctx.kubeletExtraArgs,
  };
  const name = n.node.name;
  await issue(ctx, {
    name: `${name}-kubelet-client`,
    subject: `/O=system:nodes/CN=system:node:${name}`,
    usage: 'client',
  });
  await issue(ctx, {
    name: `${name}-kubelet-serving`,
    subject: `/CN=${name}`,
    usage: 'server',
    sans: { ip: [n.node.meshAddress, n.labAddress], dns: [name] },
  });
  const pki = join(merged, inNode.pki.slice(1));
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const copy = (from: string, to: string) => copyFileSync(from, join(pki, to));
  copy(join(paths(ctx).pki, 'ca.crt'), 'ca.crt');
  for (const [src, dest] of [
    [`${name}-kubelet-client`, 'kubelet-client'],
    [`${name}-kubelet-serving`, 'kubelet-serving'],
    ['kube-proxy', 'kube-proxy'],
    ['k3s-controller', 'k3s-controller'],
  ]) {
    copy(certFiles(ctx, src).cert, `${dest}.crt`);
    copy(certFiles(ctx, src).key, `${dest}.key`);
  }
  const etc = join(merged, inNode.etc.slice(1));
  for (const c of ['kubelet-client', 'kube-proxy', 'k3s-controller'])
    writeKubeconfig(
      ctx,
      join(etc, `${c === 'kubelet-client' ? 'kubelet' : c}.kubeconfig`),
      c,
      apiserverUrl(ctx),
      inNode.pki,
    );
  writeFiles(merged, {
    'etc/hostname': `${name}\n`,
    'etc/hosts': `127.0.0.1 localhost\n${n.labAddress} ${name}\n`,
    'etc/uyoop/resolv.conf': '# no upstream DNS in the testbed\noptions ndots:5\n',
    'etc/uyoop/kubelet.json': kubeletConfig(settings),
    'etc/uyoop/kube-proxy.json': kubeProxyConfig(settings),
    'etc/uyoop/flannel-net-conf.json': flannelNetConf(settings),
    'etc/uyoop/images.list': images.map(i => `${i.archive.split('/').pop()} ${i.baseName}\n`).join(''),
    'etc/cni/net.d/10-flannel.conflist': cniConflist(),
    'etc/containerd/config.toml': containerdConfig(settings),
    'etc/sysctl.d/90-uyoop-k8s.conf': nodeSysctls,
    ...Object.fromEntries(
      Object.entries(nodeUnits(settings)).map(([f, t]) => [`etc/systemd/system/${f}`, t]),
    ),
    ...Object.fromEntries(
      Object.entries(nodeDropIns).map(([f, t]) => [`etc/systemd/system/${f}`, t]),
    ),
  });
  writeFiles(merged, { 'etc/wireguard/wg0.conf': wg }, 0o600);
  const wants = join(merged, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  for (const [unit, file] of Object.entries(enabledUnits)) {
    rmSync(join(wants, unit), { force: true });
    symlinkSync(file, join(wants, unit));
  }
  // The CNI plugins in the folder containerd reads.
  const cniBin = join(merged, 'opt/cni/bin');
  mkdirSync(cniBin, { recursive: true });
  for (const p of ['bridge', 'host-local', 'loopback', 'portmap'])
    symlinkSync(`${inNode.cniPlugins}/${p}`, join(cniBin, p));
  symlinkSync(`${inNode.cniFlannel}/flannel`, join(cniBin, 'flannel'));
  for (const d of [inNode.logs, inNode.storage, '/var/lib/kubelet', '/run/flannel'])
    mkdirSync(join(merged, d.slice(1)), { recursive: true });
}

/** Who the node agents (flannel, kube-router) are to the API server, as K3s's agent. */
const k3sControllerRbac = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'uyoop:k3s-controller' },
    rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes', 'nodes/status'], verbs: ['patch', 'update'] },
    ],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'uyoop:k3s-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'uyoop:k3s-controller' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:k3s-controller' }],
  },
];

export async function nodesUp(
  ctx: TestbedContext,
  images: BuiltImage[],
  layer: string,
) {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  const nodes = labNodes(ctx, platform.nodes);
  await apply(ctx, k3sControllerRbac);
  const toBoot = nodes.filter(n => !nodePid(n));
  if (toBoot.length) {
    const plan = planMesh(
      platform,
      Object.fromEntries(nodes.map(n => [n.node.name, n.labAddress])),
    );
    const keys = Object.fromEntries(
      await Promise.all(nodes.map(async n => [n.node.name, await wgKeys(ctx)] as const)),
    );
    const pubs = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.pub]));
    for (const n of toBoot) {
      await stopNode(ctx, n); // leftovers of a node that died
      const spec = machineSpec(ctx, n, layer);
      mkdirSync(join(n.dir, 'containerd'), { recursive: true });
      const merged = mountRoot(spec);
      writeFiles(
        join(merged, inNode.etc.slice(1), 'hardware'),
        hardwareFiles(n.node, readFileSync('/proc/meminfo', 'utf8')),
      );
      await prepareNode(
        ctx,
        n,
        merged,
        wireguardConfig(plan, n.node.name, keys[n.node.name].priv, pubs),
        images,
      );
      const { pid, initPid } = await bootMachine(spec);
      writeFileSync(nodePidFile(n), `${pid}\n`);
      writeFileSync(initPidFile(n), `${initPid}\n`);
      wireMachine(initPid, {
        netns: n.netns,
        hostLink: n.hostLink,
        address: n.labAddress,
        prefix: ctx.lab.prefix,
        bridge: ctx.lab.bridge,
        gateway: ctx.lab.hostAddress,
      });
      // The API server reaches each kubelet at its InternalIP, the mesh address.
      await ctx.run.run('ip', ['route', 'replace', `${n.node.meshAddress}/32`, 'via', n.labAddress]);
      ctx.log.step(`node ${n.node.name} booted (${n.labAddress}, mesh ${n.node.meshAddress})`);
    }
  }
  for (const n of nodes) await waitForNode(ctx, n);
  await waitForMesh(ctx, nodes);
  return nodes;
}

/** Every node reaches every other one over wg0, or an error naming where to look. */
async function waitForMesh(ctx: TestbedContext, nodes: LabNode[]) {
  const pairs = nodes.flatMap(n => nodes.filter(p => p !== n).map(p => [n, p] as const));
  try {
    await waitFor(ctx, ctx.nodeJoinSeconds, 'the WireGuard mesh', async () =>
      pairs.every(
        ([n, p]) => inNodeExec(n, `ping -c 1 -W 1 ${p.node.meshAddress}`, true).code === 0,
      ),
    );
  } catch {
    const states = nodes.map(
      n => `${n.node.name}: ${inNodeExec(n, 'wg show wg0 latest-handshakes', true).stdout.trim() || 'no wg0'}`,
    );
    throw new Error(
      `the nodes do not reach each other over wg0 (${states.join('; ')}): read journalctl -u wg-quick@wg0 in each node`,
    );
  }
}

export function machineSpec(ctx: TestbedContext, n: LabNode, layer: string): MachineSpec {
  const bind = (from: string, to: string) => `--bind-ro=${from}:${to}`;
  return {
    hostname: n.node.name,
    machine: n.machine,
    dir: n.dir,
    layers: [layer],
    cgroup: n.cgroup,
    detached: true,
    env: { SYSTEMD_NSPAWN_API_VFS_WRITABLE: '1' },
    nspawnArgs: [
      '--capability=all',
      '--system-call-filter=add_key keyctl',
      '--bind=/dev/kmsg',
      '--bind=/dev/net/tun',
      bind(binDir(ctx, 'kubernetes-node'), inNode.k8s),
      bind(binDir(ctx, 'flannel'), inNode.flannel),
      bind(binDir(ctx, 'kube-router'), inNode.kubeRouter),
      bind(binDir(ctx, 'cni-plugins'), inNode.cniPlugins),
      bind(binDir(ctx, 'cni-flannel'), inNode.cniFlannel),
      bind(join(ctx.cache, 'images'), inNode.images),
      // containerd's overlayfs snapshots cannot sit on the node's own overlay.
      `--bind=${join(n.dir, 'containerd')}:/var/lib/containerd`,
    ],
  };
}

const nodeLog = (n: LabNode, unit: string) =>
  join(n.dir, 'upper', inNode.logs.slice(1), `${unit}.log`);

/** Ready, labelled as the catalog says, wg0 up: or an error naming the log to read. */
async function waitForNode(ctx: TestbedContext, n: LabNode) {
  const name = n.node.name;
  try {
    await waitFor(ctx, ctx.nodeJoinSeconds, `node ${name} to register`, async () => {
      if (!nodePid(n)) throw new Error('stopped');
      await kubectl(ctx, ['get', 'node', name]);
      return true;
    });
  } catch {
    throw new Error(
      `node ${name} did not join the cluster: read ${nodeLog(n, 'kubelet')} (console: ${join(n.dir, 'console.log')})`,
    );
  }
  await kubectl(ctx, [
    'label', 'node', name, '--overwrite',
    ...Object.entries(n.node.labels).map(([k, v]) => `${k}=${v}`),
  ]);
  try {
    await kubectl(ctx, ['wait', '--for=condition=Ready', `--timeout=${ctx.nodeJoinSeconds}s`, `node/${name}`]);
  } catch {
    throw new Error(
      `node ${name} registered but is not Ready: read ${nodeLog(n, 'kubelet')} and ${nodeLog(n, 'flanneld')}`,
    );
  }
}

/**
 * Stops one node: nspawn's TERM powers the machine off, and the end of its
 * PID namespace ends every container in it; then its overlay, routes, links,
 * namespace and cgroups go.
 */
export async function stopNode(ctx: TestbedContext, n: LabNode) {
  const pid = nodePid(n);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 200));
    if (alive(pid)) process.kill(-pid, 'SIGKILL');
    ctx.log.step(`stopped node ${n.node.name} (pid ${pid})`);
  }
  unmountRoot({ dir: n.dir });
  await ctx.run.run('ip', ['route', 'del', `${n.node.meshAddress}/32`], {
    allowFail: true,
  });
  await ctx.run.run('ip', ['link', 'del', n.hostLink], { allowFail: true });
  await ctx.run.run('ip', ['netns', 'del', n.netns], { allowFail: true });
  const left = removeCgroups(n.cgroup);
  if (left.length) ctx.log.warn(`cgroups still busy: ${left.join(', ')}`);
  rmSync(n.dir, { recursive: true, force: true });
}

export async function nodesDown(ctx: TestbedContext) {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  for (const n of labNodes(ctx, platform.nodes)) await stopNode(ctx, n);
}
