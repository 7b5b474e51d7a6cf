/**
 * Test harness: two real systemd nodes (Debian 12, booted with systemd-nspawn
 * from the rootfs that scripts/prepare.d/ansible-nodes.sh caches), each in its
 * own network namespace, joined by veth pairs to a bridge in a third namespace
 * where the controller (Ansible, ssh-audit) runs. Everything it starts is
 * stopped by PID in stop(), also after a failure.
 */
import {
  existsSync,
  readdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
  mkdirSync,
  chownSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { alive } from '@internal/platform';
import {
  bootMachine,
  cacheDir,
  MachineSpec,
  mountRoot,
  rootfs,
  sh,
  unmountRoot,
  wireMachine,
} from './machine';

export { cacheDir, rootfs };
/** Every name this harness creates starts with uy4- (names are machine-wide). */
export const lanNetns = 'uy4-lan';
export const controllerAddress = '192.0.2.1';

export interface TestNode {
  name: string;
  netns: string;
  address: string;
  dir: string;
  /** nspawn's pid, and the machine's init. */
  pid?: number;
  initPid?: number;
  readyAfterMs?: number;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export class NodeLab {
  readonly work = mkdtempSync('/tmp/uy4-nodes-');
  readonly nodes: TestNode[];
  readonly sshKey = join(this.work, 'id_ed25519');
  /** Ansible's SSH master sockets: per run, or a master left by an earlier run hangs the next one. */
  readonly controlPathDir = join(this.work, 'cp');
  private machines: MachineSpec[] = [];
  private netnses: string[] = [];

  constructor(nodes: { name: string; address: string }[]) {
    this.nodes = nodes.map((n, i) => ({
      ...n,
      netns: `uy4-n${i}`,
      dir: join(this.work, n.name),
    }));
  }

  /** Why the lab cannot start here, or undefined. */
  static missing(): string | undefined {
    if (process.getuid?.() !== 0)
      return 'needs root (network namespaces, overlay mounts, systemd-nspawn)';
    if (!existsSync(join(rootfs, '.uyoop-ready')))
      return `no cached rootfs at ${rootfs}: run scripts/prepare.d/ansible-nodes.sh`;
    for (const tool of [
      'systemd-nspawn',
      'ansible-playbook',
      'ssh-audit',
      'lynis',
      'age',
    ]) {
      if (
        sh('sh', ['-c', `command -v ${tool}`], { allowFail: true }).code !== 0
      ) {
        return `${tool} is missing: run scripts/prepare.d/ansible-nodes.sh`;
      }
    }
    return undefined;
  }

  async start(): Promise<void> {
    // Leftovers of a run that was killed hard: its namespaces only (its processes died with it).
    for (const ns of [lanNetns, ...this.nodes.map(n => n.netns)]) {
      sh('ip', ['netns', 'del', ns], { allowFail: true });
    }
    sh('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'uy4-test-admin',
      '-f',
      this.sshKey,
    ]);
    sh('ip', ['netns', 'add', lanNetns]);
    this.netnses.push(lanNetns);
    const lan = (...a: string[]) => sh('ip', ['-n', lanNetns, ...a]);
    lan('link', 'set', 'lo', 'up');
    lan('link', 'add', 'br0', 'type', 'bridge');
    lan('addr', 'add', `${controllerAddress}/24`, 'dev', 'br0');
    lan('link', 'set', 'br0', 'up');
    for (const node of this.nodes) await this.bootNode(node);
    await Promise.all(this.nodes.map(n => this.waitForSsh(n)));
  }

  private async bootNode(node: TestNode) {
    const spec: MachineSpec = {
      hostname: node.name,
      machine: `uy4-${node.name}`,
      dir: node.dir,
      nspawnArgs: [
        '--capability=CAP_NET_ADMIN,CAP_NET_RAW',
        '--bind=/dev/net/tun',
        // Lynis from the controller, read-only: the audit adds nothing to the node.
        '--bind-ro=/usr/share/lynis',
        '--bind-ro=/usr/sbin/lynis',
        '--bind-ro=/etc/lynis',
      ],
    };
    const merged = mountRoot(spec);
    this.machines.push(spec);
    // What cloud-init does on first boot: the admin's key, the hostname.
    const passwd = readFileSync(join(merged, 'etc/passwd'), 'utf8');
    const [, , uid, gid] = passwd
      .split('\n')
      .find(l => l.startsWith('uyoop:'))!
      .split(':');
    const ssh = join(merged, 'home/uyoop/.ssh');
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(ssh, 'authorized_keys'),
      readFileSync(`${this.sshKey}.pub`),
      { mode: 0o600 },
    );
    chownSync(ssh, Number(uid), Number(gid));
    chownSync(join(ssh, 'authorized_keys'), Number(uid), Number(gid));
    writeFileSync(join(merged, 'etc/hostname'), `${node.name}\n`);
    writeFileSync(
      join(merged, 'etc/hosts'),
      `127.0.0.1 localhost\n127.0.1.1 ${node.name}\n`,
    );
    // nspawn makes /proc/sys/net writable only for a network namespace it
    // creates itself (--private-network): the sysctl role needs it.
    const { pid, initPid } = await bootMachine(spec);
    node.pid = pid;
    node.initPid = initPid;
    wireMachine(initPid, {
      netns: node.netns,
      hostLink: `${node.netns}-h`,
      address: node.address,
      prefix: 24,
      bridge: 'br0',
      lanNetns,
    });
    this.netnses.push(node.netns);
  }

  private async waitForSsh(node: TestNode) {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (node.pid && !alive(node.pid)) {
        throw new Error(
          `${node.name} stopped while booting: ${readFileSync(
            join(node.dir, 'console.log'),
            'utf8',
          ).slice(-2000)}`,
        );
      }
      // Ready means what Ansible needs: SSH and sudo both answer.
      const r = this.controller(
        'ssh',
        [...this.sshOptions(), `uyoop@${node.address}`, 'sudo -n true'],
        { allowFail: true, timeout: 10_000 },
      );
      if (r.code === 0) {
        node.readyAfterMs = Date.now() - (deadline - 90_000);
        return;
      }
      await sleep(500);
    }
    throw new Error(`${node.name}: SSH and sudo not ready after 90 s`);
  }

  sshOptions(): string[] {
    return [
      '-i',
      this.sshKey,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=3',
      '-o',
      'LogLevel=ERROR',
    ];
  }

  node(name: string): TestNode {
    const n = this.nodes.find(x => x.name === name);
    if (!n) throw new Error(`no test node ${name}`);
    return n;
  }

  /** Runs a command in the controller's namespace. */
  controller(
    cmd: string,
    args: string[],
    opts: { allowFail?: boolean; timeout?: number } = {},
  ) {
    return sh('ip', ['netns', 'exec', lanNetns, cmd, ...args], opts);
  }

  /** Runs a command inside a node, as root, in all of its namespaces. */
  exec(
    name: string,
    command: string,
    opts: { allowFail?: boolean; timeout?: number; input?: string } = {},
  ) {
    const n = this.node(name);
    return sh(
      'nsenter',
      ['-t', String(n.initPid), '-a', '--', '/bin/sh', '-c', command],
      opts,
    );
  }

  /** Cuts or restores a node's link to the bridge. */
  setLink(name: string, up: boolean) {
    sh('ip', [
      '-n',
      lanNetns,
      'link',
      'set',
      `${this.node(name).netns}-h`,
      up ? 'up' : 'down',
    ]);
  }

  /** Closes Ansible's SSH masters of this run (ControlPersist would keep them a minute). */
  closeSshMasters() {
    if (existsSync(this.controlPathDir)) {
      for (const sock of readdirSync(this.controlPathDir)) {
        sh(
          'ssh',
          ['-O', 'exit', '-S', join(this.controlPathDir, sock), 'uy4'],
          { allowFail: true, timeout: 5000 },
        );
      }
    }
  }

  async stop(): Promise<void> {
    this.closeSshMasters();
    for (const n of this.nodes) {
      if (n.pid && alive(n.pid)) process.kill(n.pid, 'SIGTERM');
    }
    for (const n of this.nodes) {
      if (!n.pid) continue;
      const deadline = Date.now() + 20_000;
      while (alive(n.pid) && Date.now() < deadline) await sleep(200);
      if (alive(n.pid)) process.kill(n.pid, 'SIGKILL');
    }
    await sleep(300);
    for (const m of this.machines.reverse()) unmountRoot(m);
    for (const ns of this.netnses.reverse())
      sh('ip', ['netns', 'del', ns], { allowFail: true });
    if (!process.env.UY4_KEEP_WORK)
      rmSync(this.work, { recursive: true, force: true });
  }
}

/** The K3s stand-in binary, with the pinned version baked in. */
export function writeK3sStandin(dir: string, version: string): string {
  const file = join(dir, 'k3s');
  writeFileSync(
    file,
    readFileSync(join(__dirname, 'k3s-standin.py'), 'utf8').replace(
      '@K3S_VERSION@',
      version,
    ),
    { mode: 0o755 },
  );
  return file;
}

/** What a converge of the lab needs, as an admin would pass it to scripts/provision.ts. */
export interface LabInputs {
  /** The K3s join token, in clear, to compare with what the nodes got. */
  token: string;
  secretsDir: string;
  varsFile: string;
  /** provision arguments: the nodes' lab addresses and the test variables. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The K3s stand-in, the join token encrypted with age as in production (the
 * SOPS_AGE_KEY_FILE identity), and the variables that point the roles at the
 * lab: the controller as the only admin source, the prepared apt cache, the
 * userspace WireGuard, the local K3s artefact.
 */
export function prepareLabInputs(
  lab: NodeLab,
  addresses: Record<string, string>,
  k3sVersion: string,
): LabInputs {
  const standin = writeK3sStandin(lab.work, k3sVersion);
  const secretsDir = join(lab.work, 'secrets');
  mkdirSync(secretsDir);
  const ageKey = join(lab.work, 'age.key');
  lab.controller('age-keygen', ['-o', ageKey]);
  const recipient = /public key: (\S+)/.exec(readFileSync(ageKey, 'utf8'))![1];
  const token = `uy4-${Math.random().toString(36).slice(2)}${Math.random()
    .toString(36)
    .slice(2)}`;
  writeFileSync(join(lab.work, 'token.txt'), token);
  lab.controller('age', [
    '-r',
    recipient,
    '-o',
    join(secretsDir, 'k3s-token.age'),
    join(lab.work, 'token.txt'),
  ]);
  const varsFile = join(lab.work, 'test-vars.json');
  writeFileSync(
    varsFile,
    JSON.stringify({
      ansible_user: 'uyoop',
      ansible_ssh_private_key_file: lab.sshKey,
      common_admin_ssh_keys: [readFileSync(`${lab.sshKey}.pub`, 'utf8').trim()],
      // The nodes have no network: the prepared apt cache is all they get.
      common_apt_cache_valid_time: 10 * 365 * 86400,
      security_ssh_admin_sources: [`${controllerAddress}/32`],
      // The lab's nodes have no default route: name the public interface.
      security_public_interface: 'eth0',
      security_crowdsec_central_api: false,
      security_crowdsec_whitelist: [`${controllerAddress}/32`],
      wireguard_userspace: true,
      wireguard_public_key_dir: join(lab.work, 'wireguard-public-keys'),
      k3s_server_binary_src: standin,
      k3s_agent_binary_src: standin,
    }),
  );
  return {
    token,
    secretsDir,
    varsFile,
    args: [
      ...Object.entries(addresses).flatMap(([n, a]) => [
        '--address',
        `${n}=${a}`,
      ]),
      '--extra-vars',
      varsFile,
    ],
    env: {
      ...process.env,
      SOPS_AGE_KEY_FILE: ageKey,
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      ANSIBLE_SSH_CONTROL_PATH_DIR: lab.controlPathDir,
    },
  };
}
