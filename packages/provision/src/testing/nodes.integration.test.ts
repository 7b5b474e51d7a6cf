/**
 * Converges two real systemd nodes (systemd-nspawn, Debian 12) with site.yml
 * through the same command line an admin uses, then checks what a user would
 * notice: hardened sshd, the firewall from the other node, CrowdSec bans,
 * the WireGuard mesh, the K3s units; and judges the result with Lynis and ssh-audit.
 * Setup: scripts/prepare.d/ansible-nodes.sh (cached rootfs, Debian tools).
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import {
  ProcessRunner,
  prefixedRunner,
  repoRoot,
  runSync,
  zxRunner,
} from '@internal/platform';
import { parse } from 'yaml';
import { meshCli, provisionCli } from '../cli';
import { readVersions } from '../versions';
import { Internet, tcpConnectScript } from './internet';
import { lynisAudit } from './lynis';
import { LabInputs, NodeLab, lanNetns, prepareLabInputs } from './nodes';

const addresses = { 'core-prod': '192.0.2.11', 'ai-lab': '192.0.2.12' };
/** Kernel-wide sysctls: a container shares the host's kernel, so they stay in the file there. */
const hostKernelSysctls =
  'kernel-wide, not per network namespace: the lab shares the host kernel, a VPS sets them live';
const missing = NodeLab.missing();

/** Measured numbers, printed at the end and written for bench/ and the README. */
const measured: Record<string, unknown> = {};

describe('site.yml on two systemd nodes', () => {
  beforeAll(() => {
    // Never pass by skipping: without the lab there is nothing to judge.
    if (missing)
      throw new Error(
        `the node lab is not set up (${missing}): run bash scripts/prepare.d/ansible-nodes.sh`,
      );
  });
  const lab = new NodeLab([
    { name: 'core-prod', address: addresses['core-prod'] },
    { name: 'ai-lab', address: addresses['ai-lab'] },
  ]);
  const runner: ProcessRunner = prefixedRunner(zxRunner, [
    'ip',
    'netns',
    'exec',
    lanNetns,
  ]);
  let inputs: LabInputs;
  /** A source on the public side that is neither an admin nor a node. */
  const internet = new Internet('192.0.2.66');

  const converge = async (extraArgs: string[] = []) => {
    const out: string[] = [];
    const started = Date.now();
    const code = await provisionCli(
      [...inputs.args, ...extraArgs],
      { out: l => out.push(l), err: l => out.push(l) },
      { runner, secretsDir: inputs.secretsDir, env: inputs.env },
    );
    return {
      code,
      out: out.join('\n'),
      seconds: (Date.now() - started) / 1000,
    };
  };
  const recapOf = (text: string) => {
    const hosts: Record<
      string,
      { changed: number; failed: number; unreachable: number }
    > = {};
    for (const m of text.matchAll(
      /^\s+(\S+): ok=(\d+) changed=(\d+) failed=(\d+) unreachable=(\d+)$/gm,
    )) {
      hosts[m[1]] = {
        changed: Number(m[3]),
        failed: Number(m[4]),
        unreachable: Number(m[5]),
      };
    }
    return hosts;
  };
  const tcpOpen = (from: string, host: string, port: number) =>
    lab.exec(from, `nc -z -w 2 ${host} ${port}`, { allowFail: true }).code ===
    0;

  const listen = async (node: string, ports: number[]) => {
    lab.exec(
      node,
      ports
        .map(
          p =>
            `systemd-run --quiet --unit=uy4-listen-${p} python3 -m http.server --bind 0.0.0.0 ${p}`,
        )
        .join('; '),
    );
    for (const p of ports) {
      for (let i = 0; i < 50 && !tcpOpen(node, '127.0.0.1', p); i++)
        await new Promise(r => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    await lab.start();
    internet.start();
    measured.readyAfterMs = Object.fromEntries(
      lab.nodes.map(n => [n.name, n.readyAfterMs]),
    );
    const versions = await readVersions();
    inputs = prepareLabInputs(lab, addresses, versions.K3S_VERSION);
    measured.lynisFresh = lynisAudit(lab, 'core-prod').index;
  }, 600_000);

  afterAll(async () => {
    internet.stop();
    await lab.stop();
    // eslint-disable-next-line no-console
    console.log(`provision measurements: ${JSON.stringify(measured)}`);
    await mkdir(join(repoRoot, 'node_modules', '.cache'), { recursive: true });
    await writeFile(
      join(
        repoRoot,
        'node_modules',
        '.cache',
        'uyoop-provision-measurements.json',
      ),
      JSON.stringify(measured, null, 2),
    );
  }, 120_000);

  it('converges both nodes, then a second run changes nothing', async () => {
    const first = await converge();
    expect(first.out).toMatch(/done in/);
    expect(first.code).toBe(0);
    measured.firstConvergeSeconds = first.seconds;
    const second = await converge();
    expect(second.code).toBe(0);
    const recap = recapOf(second.out);
    expect(Object.keys(recap).sort()).toEqual(['ai-lab', 'core-prod']);
    expect(recap['core-prod'].changed).toBe(0);
    expect(recap['ai-lab'].changed).toBe(0);
    measured.noopConvergeSeconds = second.seconds;
  }, 1_200_000);

  it('hardens sshd even though cloud-init left a drop-in that enables passwords', () => {
    const t = lab.exec('core-prod', 'sshd -T').stdout;
    expect(t).toMatch(/^passwordauthentication no$/m);
    expect(t).toMatch(/^permitrootlogin no$/m);
    expect(t).toMatch(/^kbdinteractiveauthentication no$/m);
    expect(t).toMatch(/^maxauthtries 3$/m);
    expect(t).toMatch(
      /^kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org$/m,
    );
    expect(t).toMatch(
      /^ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr$/m,
    );
    expect(
      t
        .split('\n')
        .filter(l => l.startsWith('hostkey '))
        .sort(),
    ).toEqual([
      'hostkey /etc/ssh/ssh_host_ed25519_key',
      'hostkey /etc/ssh/ssh_host_rsa_key',
    ]);
    expect(t).toMatch(
      /^hostkeyalgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256$/m,
    );
    expect(
      lab.exec('core-prod', 'cat /etc/ssh/sshd_config.d/50-cloud-init.conf')
        .stdout,
    ).toMatch(/# disabled by Ansible/);
    // A password login is refused by the server itself.
    const r = lab.controller(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'PreferredAuthentications=password',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        `uyoop@${addresses['core-prod']}`,
        'true',
      ],
      { allowFail: true },
    );
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('passes ssh-audit with no failure', () => {
    const r = lab.controller(
      'ssh-audit',
      ['-n', '-p', '22', addresses['core-prod']],
      { allowFail: true, timeout: 60_000 },
    );
    const fails = r.stdout.split('\n').filter(l => /\[fail\]/.test(l));
    const warns = r.stdout.split('\n').filter(l => /\[warn\]/.test(l));
    measured.sshAudit = {
      exitCode: r.code,
      output: r.stdout,
      fail: fails.length,
      warn: warns.length,
      warnings: warns.map(w => w.trim()),
    };
    expect(r.stdout).toMatch(/OpenSSH/);
    expect(fails).toEqual([]);
  });

  it('lets the other node reach only the allowed ports; K3s ports only across wg0', async () => {
    await listen('core-prod', [443, 8080, 6443]);
    try {
      // The listeners are there: core-prod reaches them itself.
      for (const p of [443, 8080, 6443])
        expect(tcpOpen('core-prod', '127.0.0.1', p)).toBe(true);
      expect(tcpOpen('ai-lab', addresses['core-prod'], 443)).toBe(true);
      expect(tcpOpen('ai-lab', addresses['core-prod'], 8080)).toBe(false);
      expect(tcpOpen('ai-lab', addresses['core-prod'], 6443)).toBe(false);
      expect(tcpOpen('ai-lab', addresses['core-prod'], 22)).toBe(false);
      expect(tcpOpen('ai-lab', '10.80.0.1', 6443)).toBe(true);
      expect(tcpOpen('ai-lab', '10.80.0.1', 8080)).toBe(false);
    } finally {
      lab.exec(
        'core-prod',
        'systemctl stop uy4-listen-443 uy4-listen-8080 uy4-listen-6443',
        { allowFail: true },
      );
    }
  });

  it('CrowdSec bans a brute-forcing source from the journal and the bouncer drops it', async () => {
    const attacker = addresses['ai-lab'];
    await listen('core-prod', [443]);
    try {
      expect(tcpOpen('ai-lab', addresses['core-prod'], 443)).toBe(true);
      lab.exec(
        'core-prod',
        `for i in 1 2 3 4 5 6 7 8; do logger -t sshd -p auth.info "Failed password for invalid user admin$i from ${attacker} port 4242$i ssh2"; done`,
      );
      let banned = false;
      for (let i = 0; i < 60 && !banned; i++) {
        await new Promise(r => setTimeout(r, 1000));
        banned = lab
          .exec('core-prod', 'nft list set ip crowdsec crowdsec-blacklists', {
            allowFail: true,
          })
          .stdout.includes(attacker);
      }
      expect(
        lab.exec('core-prod', 'cscli decisions list -o raw').stdout,
      ).toContain(attacker);
      expect(banned).toBe(true);
      expect(tcpOpen('ai-lab', addresses['core-prod'], 443)).toBe(false);
    } finally {
      lab.exec('core-prod', `cscli decisions delete --ip ${attacker}`, {
        allowFail: true,
      });
      // The bouncer lifts the ban on its next poll; the mesh test needs ai-lab back.
      for (
        let i = 0;
        i < 30 &&
        lab
          .exec('core-prod', 'nft list set ip crowdsec crowdsec-blacklists', {
            allowFail: true,
          })
          .stdout.includes(attacker);
        i++
      ) {
        await new Promise(r => setTimeout(r, 1000));
      }
      lab.exec('core-prod', 'systemctl stop uy4-listen-443', {
        allowFail: true,
      });
    }
  }, 120_000);

  it('joins the nodes over wg0 (wireguard-go) and reports the handshakes', async () => {
    expect(
      lab.exec('core-prod', 'ping -c 3 -W 2 10.80.0.2', { allowFail: true })
        .stdout,
    ).toMatch(/ [1-3] received/);
    expect(
      lab.exec('ai-lab', 'ping -c 3 -W 2 10.80.0.1', { allowFail: true })
        .stdout,
    ).toMatch(/ [1-3] received/);
    expect(lab.exec('core-prod', 'pgrep -x wireguard-go').code).toBe(0);
    const out: string[] = [];
    const code = await meshCli(
      ['status', ...inputs.args],
      { out: l => out.push(l), err: l => out.push(l) },
      { runner, env: inputs.env },
    );
    expect(out.join('\n')).toMatch(/-> ai-lab: handshake \d+ s ago/);
    expect(out.join('\n')).toMatch(/-> core-prod: handshake \d+ s ago/);
    expect(code).toBe(0);
  }, 120_000);

  it('refuses an empty admin source list before touching any host, naming the variable', async () => {
    const ruleset = () =>
      lab.exec('core-prod', 'nft list table inet uyoop_filter').stdout;
    const before = ruleset();
    const emptied = join(lab.work, 'no-admin-sources.json');
    await writeFile(
      emptied,
      JSON.stringify({ security_ssh_admin_sources: [] }),
    );
    const calls: string[] = [];
    const recording: ProcessRunner = {
      run: (c, a, o) => {
        calls.push(c);
        return runner.run(c, a, o);
      },
    };
    const out: string[] = [];
    const code = await provisionCli(
      [...inputs.args, '--extra-vars', emptied],
      { out: l => out.push(l), err: l => out.push(l) },
      { runner: recording, secretsDir: inputs.secretsDir, env: inputs.env },
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/security_ssh_admin_sources is empty/);
    expect(out.join('\n')).toMatch(/nothing was changed on any node/);
    expect(calls).toEqual([]);
    expect(ruleset()).toBe(before);
    // The live ruleset still admits the admin source it had.
    expect(before).toContain('192.0.2.1');
  });

  it('drops from the Internet SSH from a non-admin source, a spoofed pod-network packet and the K3s ports; K3s answers on wg0', async () => {
    await listen('core-prod', [6443, 10250]);
    const udpLog = '/run/uy4-udp.log';
    lab.exec(
      'core-prod',
      `systemd-run --quiet --unit=uy4-listen-udp python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9999))
while True:
    d, a = s.recvfrom(100)
    open('${udpLog}', 'a').write(a[0] + chr(10))"`,
    );
    // Counts what reaches core-prod's public interface, before any filter.
    lab.exec(
      'core-prod',
      `nft add table netdev uy4_probe && nft add chain netdev uy4_probe ingress '{ type filter hook ingress device "eth0" priority 0; }' && nft add rule netdev uy4_probe ingress ip saddr 10.42.7.7 udp dport 9999 counter`,
    );
    try {
      // SSH: the admin source gets through, the Internet does not.
      expect(tcpOpen('core-prod', '127.0.0.1', 22)).toBe(true);
      expect(
        lab.controller(
          'python3',
          ['-c', tcpConnectScript, addresses['core-prod'], '22'],
          { allowFail: true },
        ).code,
      ).toBe(0);
      expect(internet.tcpOpen(addresses['core-prod'], 22)).toBe(false);
      // K3s: closed on the public side, open across wg0.
      for (const port of [6443, 10250]) {
        expect(tcpOpen('core-prod', '127.0.0.1', port)).toBe(true);
        expect(internet.tcpOpen(addresses['core-prod'], port)).toBe(false);
        expect(tcpOpen('ai-lab', addresses['core-prod'], port)).toBe(false);
        expect(tcpOpen('ai-lab', '10.80.0.1', port)).toBe(true);
      }
      // A forged pod-network source reaches the interface and goes no further.
      // The listener works: a local datagram is recorded.
      const localDatagram = `python3 -c "import socket; socket.socket(2, 2).sendto(b'x', ('127.0.0.1', 9999))"; cat ${udpLog}`;
      for (
        let i = 0;
        i < 50 &&
        !lab
          .exec('core-prod', localDatagram, { allowFail: true })
          .stdout.includes('127.0.0.1');
        i++
      )
        await new Promise(r => setTimeout(r, 200));
      internet.sendSpoofedUdp('10.42.7.7', addresses['core-prod'], 9999);
      await new Promise(r => setTimeout(r, 1000));
      expect(
        lab.exec('core-prod', 'nft list chain netdev uy4_probe ingress').stdout,
      ).toMatch(/counter packets 1 /);
      const received = lab.exec('core-prod', `cat ${udpLog}`).stdout;
      expect(received).toContain('127.0.0.1');
      expect(received).not.toContain('10.42.7.7');
    } finally {
      lab.exec(
        'core-prod',
        'nft delete table netdev uy4_probe; systemctl stop uy4-listen-udp uy4-listen-6443 uy4-listen-10250',
        { allowFail: true },
      );
    }
  }, 120_000);

  it('keeps each WireGuard private key on its node: the configuration names none, no controller or repository file holds one', () => {
    const keys = lab.nodes.map(n => {
      const key = lab.exec(n.name, 'cat /etc/wireguard/wg0.key').stdout.trim();
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(
        lab.exec(n.name, 'stat -c %a /etc/wireguard/wg0.key').stdout.trim(),
      ).toBe('600');
      // The live interface uses the key file; the configuration does not carry it.
      expect(lab.exec(n.name, 'wg show wg0 private-key').stdout.trim()).toBe(
        key,
      );
      expect(
        lab.exec(n.name, 'cat /etc/wireguard/wg0.conf').stdout,
      ).not.toMatch(/PrivateKey/);
      return key;
    });
    const ansibleHome = join(homedir(), '.ansible');
    const places = [
      repoRoot,
      lab.work,
      ansibleHome,
      ...readdirSync(tmpdir())
        .filter(f => f.startsWith('ansible') || f.startsWith('uyoop-'))
        .map(f => join(tmpdir(), f)),
    ].filter(p => existsSync(p));
    for (const key of keys) {
      const r = runSync(
        'grep',
        [
          '-rlF',
          // Skip the SSH control sockets of the run.
          '-D',
          'skip',
          '--exclude-dir=node_modules',
          '--exclude-dir=.git',
          // The nodes' own file systems live under the lab's work folder.
          ...lab.nodes.map(n => `--exclude-dir=${n.name}`),
          '-e',
          key,
          ...places,
        ],
        { timeoutMs: 120_000, allowFail: true },
      );
      expect(r.stdout).toBe('');
      // 1: nothing found; 2 would be an error (a place that cannot be read).
      expect(r.code).toBe(1);
    }
  }, 180_000);

  it('makes every hardening sysctl live on the node; the kernel-wide ones are in the file for the next boot', async () => {
    const defaults = parse(
      await readFile(
        join(repoRoot, 'infra/ansible/roles/security/defaults/main.yml'),
        'utf8',
      ),
    ) as { security_sysctl: Record<string, number> };
    const file = lab.exec(
      'core-prod',
      'cat /etc/sysctl.d/90-uyoop-hardening.conf',
    ).stdout;
    const live: Record<string, string> = {};
    const fileOnly: Record<string, string> = {};
    for (const [key, value] of Object.entries(defaults.security_sysctl)) {
      expect(file).toMatch(
        new RegExp(`^${key.replace(/\./g, '\\.')}\\s*=\\s*${value}$`, 'm'),
      );
      if (/^net\.ipv[46]\./.test(key)) {
        live[key] = lab.exec('core-prod', `sysctl -n ${key}`).stdout.trim();
        expect(`${key}=${live[key]}`).toBe(`${key}=${value}`);
      } else {
        fileOnly[key] = hostKernelSysctls;
      }
    }
    measured.sysctlLive = Object.keys(live).length;
    measured.sysctlFileOnly = fileOnly;
    expect(Object.keys(live).length).toBeGreaterThan(15);
    expect(live['net.ipv4.conf.all.rp_filter']).toBe('1');
  });

  it('installs the K3s units with the mesh flags and the token from age', () => {
    expect(lab.exec('core-prod', 'systemctl is-active k3s').stdout.trim()).toBe(
      'active',
    );
    expect(
      lab.exec('ai-lab', 'systemctl is-active k3s-agent').stdout.trim(),
    ).toBe('active');
    const server = JSON.parse(
      lab.exec('core-prod', 'cat /run/k3s-standin/server.json').stdout,
    );
    expect(server.argv).toEqual(['server']);
    expect(server.config).toMatch(/^node-ip: "10.80.0.1"$/m);
    expect(server.config).toMatch(/^flannel-iface: "wg0"$/m);
    expect(server.config).toMatch(/^secrets-encryption: true$/m);
    expect(server.config).toMatch(/svccontroller.k3s.cattle.io\/enablelb=true/);
    const agent = JSON.parse(
      lab.exec('ai-lab', 'cat /run/k3s-standin/agent.json').stdout,
    );
    expect(agent.config).toMatch(/^server: "https:\/\/10.80.0.1:6443"$/m);
    expect(agent.config).toMatch(/^node-ip: "10.80.0.2"$/m);
    expect(agent.config).toMatch(/uyoop.io\/workload=ai:NoSchedule/);
    expect(
      lab
        .exec(
          'ai-lab',
          'stat -c %a /etc/rancher/k3s/token; cat /etc/rancher/k3s/token',
        )
        .stdout.split('\n'),
    ).toEqual(['600', inputs.token, '']);
    // IP forwarding stays on: K3s routes pod traffic.
    expect(
      lab.exec('core-prod', 'sysctl -n net.ipv4.ip_forward').stdout.trim(),
    ).toBe('1');
  });

  it('raises the Lynis hardening index to 85 or more', () => {
    const lynis = lynisAudit(lab, 'core-prod');
    measured.lynisConverged = lynis.index;
    measured.lynisWarnings = lynis.warnings;
    measured.lynisSuggestions = lynis.suggestions;
    // eslint-disable-next-line no-console
    console.log(
      `Lynis hardening index: ${measured.lynisFresh} on the fresh rootfs, ${
        lynis.index
      } converged; left: ${[...lynis.warnings, ...lynis.suggestions].join(
        '; ',
      )}`,
    );
    expect(lynis.index).toBeGreaterThan(measured.lynisFresh as number);
    expect(lynis.index).toBeGreaterThanOrEqual(85);
  }, 600_000);

  it('reports an unreachable node and still converges the other one', async () => {
    // A node that is down: no SSH master of an earlier run to hang on.
    lab.closeSshMasters();
    lab.setLink('ai-lab', false);
    try {
      const r = await converge();
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/unreachable: ai-lab/);
      const recap = recapOf(r.out);
      expect(recap['core-prod']).toEqual({
        changed: 0,
        failed: 0,
        unreachable: 0,
      });
      expect(recap['ai-lab'].unreachable).toBeGreaterThan(0);
    } finally {
      lab.setLink('ai-lab', true);
    }
  }, 600_000);

  it.each([
    [
      'without a mesh address',
      '    uyoop.io/mesh-address: 10.80.0.2\n',
      '',
      'catalog/nodes.yaml: Resource ai-lab: metadata.annotations["uyoop.io/mesh-address"]: is required',
    ],
    [
      'with a duplicated mesh address',
      'uyoop.io/mesh-address: 10.80.0.2',
      'uyoop.io/mesh-address: 10.80.0.1',
      'catalog/nodes.yaml: Resource ai-lab: metadata.annotations["uyoop.io/mesh-address"]: 10.80.0.1 is already the mesh address of core-prod',
    ],
  ])(
    'fails on a node %s before touching any host',
    async (_case, from, to, expected) => {
      const root = await mkdtemp(join(lab.work, 'bad-catalog-'));
      await cp(join(repoRoot, 'catalog'), join(root, 'catalog'), {
        recursive: true,
      });
      await cp(
        join(repoRoot, 'catalog-info.yaml'),
        join(root, 'catalog-info.yaml'),
      );
      await cp(join(repoRoot, 'infra'), join(root, 'infra'), {
        recursive: true,
      });
      const nodes = join(root, 'catalog', 'nodes.yaml');
      await writeFile(nodes, (await readFile(nodes, 'utf8')).replace(from, to));
      const calls: string[] = [];
      const recording: ProcessRunner = {
        run: (c, a, o) => {
          calls.push(c);
          return runner.run(c, a, o);
        },
      };
      const before = lab.exec(
        'ai-lab',
        'stat -c %Y /etc/wireguard/wg0.conf',
      ).stdout;
      const out: string[] = [];
      const code = await provisionCli(
        ['--extra-vars', inputs.varsFile],
        { out: l => out.push(l), err: l => out.push(l) },
        { runner: recording, root, secretsDir: inputs.secretsDir },
      );
      expect(code).toBe(1);
      expect(out.join('\n')).toContain(expected);
      expect(out.join('\n')).toContain('nothing was changed on any node');
      expect(calls).toEqual([]);
      expect(
        lab.exec('ai-lab', 'stat -c %Y /etc/wireguard/wg0.conf').stdout,
      ).toBe(before);
    },
    120_000,
  );
});
