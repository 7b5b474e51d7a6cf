/**
 * One systemd machine booted with systemd-nspawn from the cached Debian 12
 * root filesystem (scripts/prepare.d/ansible-nodes.sh), with an overlay of
 * its own, in a network namespace of its own, wired by a veth pair to a
 * bridge. Shared by the Ansible node lab (NodeLab) and the testbed's real
 * Kubernetes nodes, which add layers, capabilities and a cgroup of their own.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runSync, startService } from '@internal/platform';

export const cacheDir = join(
  process.env.UYOOP_CACHE ?? join(homedir(), '.cache', 'uyoop'),
  'ansible-nodes',
);
export const rootfs = join(cacheDir, 'rootfs');

export function sh(
  cmd: string,
  args: string[],
  opts: { allowFail?: boolean; input?: string; timeout?: number } = {},
) {
  return runSync(cmd, args, {
    input: opts.input,
    timeoutMs: opts.timeout ?? 60_000,
    allowFail: opts.allowFail,
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface MachineSpec {
  /** Host name inside the machine. */
  hostname: string;
  /** nspawn's machine name (machine-wide). */
  machine: string;
  /** Holds upper/, work/, merged/ and console.log. */
  dir: string;
  /** Layers above the cached rootfs, uppermost first. */
  layers?: string[];
  /** nspawn options besides the common ones (capabilities, binds...). */
  nspawnArgs: string[];
  env?: Record<string, string>;
  /** Cgroup v1 folder name for the machine in each controller (kubelets need their own). */
  cgroup?: string;
  /** Runs in its own session and outlives this process (the testbed's nodes). */
  detached?: boolean;
}

export const mergedDir = (spec: MachineSpec) => join(spec.dir, 'merged');

/** Mounts the machine's overlay: its upper dir over the layers over the rootfs. */
export function mountRoot(spec: MachineSpec): string {
  const merged = mergedDir(spec);
  for (const d of ['upper', 'work', 'merged'])
    mkdirSync(join(spec.dir, d), { recursive: true });
  const lower = [...(spec.layers ?? []), rootfs].join(':');
  sh('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${lower},upperdir=${spec.dir}/upper,workdir=${spec.dir}/work`,
    merged,
  ]);
  return merged;
}

/** The cgroup v1 folders a machine gets, one per mounted controller, under this process's own. */
export function cgroupDirs(name: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (!controllers) continue;
    const dir = controllers.replace(/^name=/, '');
    const base = join('/sys/fs/cgroup', dir);
    if (!existsSync(base)) continue;
    out.push(join(base, path, name));
  }
  return out;
}

function createCgroups(name: string): string[] {
  const dirs = cgroupDirs(name);
  for (const d of dirs) {
    mkdirSync(d, { recursive: true });
    if (d.includes('/cpuset/')) {
      for (const f of ['cpuset.cpus', 'cpuset.mems'])
        writeFileSync(join(d, f), readFileSync(join(d, '..', f)));
    }
  }
  return dirs;
}

/** Removes a machine's cgroups (children first); leftovers are reported, not fatal. */
export function removeCgroups(name: string): string[] {
  const left: string[] = [];
  const remove = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  };
  for (const d of cgroupDirs(name)) remove(d);
  return left;
}

/**
 * Boots the machine (nspawn --boot, private network) and returns the pid of
 * nspawn and of the machine's init, once it exists.
 */
export async function bootMachine(
  spec: MachineSpec,
): Promise<{ pid: number; initPid: number }> {
  const merged = mergedDir(spec);
  const nspawnArgs = [
    '--boot',
    '--register=no',
    '--keep-unit',
    '--quiet',
    '--private-network',
    `--machine=${spec.machine}`,
    `--hostname=${spec.hostname}`,
    ...spec.nspawnArgs,
    '-D',
    merged,
  ];
  // A cgroup of its own: the launcher moves itself in, then becomes nspawn.
  const tasks = spec.cgroup
    ? createCgroups(spec.cgroup).map(d => join(d, 'tasks'))
    : [];
  const machine = startService({
    cmd: '/bin/sh',
    args: [
      '-c',
      'for t in $UYOOP_CGROUP_TASKS; do echo $$ > "$t"; done; exec systemd-nspawn "$@"',
      'launch',
      ...nspawnArgs,
    ],
    logFile: join(spec.dir, 'console.log'),
    detached: spec.detached ?? false,
    env: { ...spec.env, UYOOP_CGROUP_TASKS: tasks.join(' ') },
  });
  if (spec.detached) machine.unref();
  const pid = machine.pid;
  let init = '';
  for (let i = 0; i < 100 && !init; i++) {
    await sleep(100);
    if (machine.exitCode() !== undefined)
      throw new Error(
        `${spec.hostname}: systemd-nspawn exited at once: ${readFileSync(
          join(spec.dir, 'console.log'),
          'utf8',
        ).slice(-2000)}`,
      );
    init = sh('pgrep', ['-P', String(pid)], { allowFail: true })
      .stdout.trim()
      .split('\n')[0];
  }
  if (!init) throw new Error(`${spec.hostname}: systemd-nspawn did not start`);
  return { pid, initPid: Number(init) };
}

export interface Wiring {
  /** Name given to the machine's network namespace (ip netns). */
  netns: string;
  /** Host side of the veth pair (machine-wide name, at most 15 characters). */
  hostLink: string;
  address: string;
  prefix: number;
  /** The bridge the host side joins, in `lanNetns` or in this machine's own namespace. */
  bridge: string;
  lanNetns?: string;
  gateway?: string;
}

/** Names the machine's namespace, then wires its eth0 to the bridge. */
export function wireMachine(initPid: number, w: Wiring) {
  sh('ip', ['netns', 'attach', w.netns, String(initPid)]);
  const peer = `${w.hostLink}n`;
  sh('ip', ['link', 'add', w.hostLink, 'type', 'veth', 'peer', 'name', peer]);
  if (w.lanNetns) {
    sh('ip', ['link', 'set', w.hostLink, 'netns', w.lanNetns]);
    sh('ip', ['-n', w.lanNetns, 'link', 'set', w.hostLink, 'master', w.bridge, 'up']);
  } else {
    sh('ip', ['link', 'set', w.hostLink, 'master', w.bridge, 'up']);
  }
  sh('ip', ['link', 'set', peer, 'netns', w.netns]);
  const inNs = (...a: string[]) => sh('ip', ['-n', w.netns, ...a]);
  inNs('link', 'set', peer, 'name', 'eth0');
  inNs('addr', 'add', `${w.address}/${w.prefix}`, 'dev', 'eth0');
  inNs('link', 'set', 'eth0', 'up');
  inNs('link', 'set', 'lo', 'up');
  if (w.gateway) inNs('route', 'add', 'default', 'via', w.gateway);
}

/** Runs a command inside a machine, as root, in all of its namespaces. */
export function execIn(
  initPid: number,
  command: string,
  opts: { allowFail?: boolean; timeout?: number; input?: string } = {},
) {
  return sh(
    'nsenter',
    ['-t', String(initPid), '-a', '--', '/bin/sh', '-c', command],
    opts,
  );
}

/** Unmounts a machine's overlay (lazily when busy). */
export function unmountRoot(spec: Pick<MachineSpec, 'dir'>) {
  const merged = join(spec.dir, 'merged');
  if (sh('mountpoint', ['-q', merged], { allowFail: true }).code !== 0) return;
  if (sh('umount', [merged], { allowFail: true }).code !== 0)
    sh('umount', ['-l', merged], { allowFail: true });
}
