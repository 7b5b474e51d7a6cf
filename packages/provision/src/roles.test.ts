/**
 * Each role of infra/ansible refuses a missing or empty required input in its
 * first task, naming the variable. One ansible-playbook run, one inventory
 * host per case; every host points at an unreachable address, so a role that
 * got past its checks could not touch anything (the case would show up as
 * unreachable and fail the test).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@internal/platform';
import { stringify } from 'yaml';
import { zxRunner } from '@internal/platform';

const ansibleDir = join(repoRoot, 'infra', 'ansible');

/** Complete inputs of each role; each case drops or empties one of them. */
const complete: Record<string, Record<string, unknown>> = {
  common: { common_admin_ssh_keys: ['ssh-ed25519 AAAAC3Nz admin@uyoop'] },
  security: {
    security_ssh_admin_sources: ['192.0.2.1/32'],
    security_public_interface: 'eth0',
  },
  wireguard: {
    wireguard_address: '10.80.0.1',
    wireguard_peers: [
      { name: 'a', address: '10.80.0.1', endpoint: 'a.example' },
    ],
  },
  k3s_server: {
    k3s_server_version: 'v1.35.4+k3s1',
    k3s_server_token: 'a-join-token-of-some-length',
    k3s_server_node_ip: '10.80.0.1',
  },
  k3s_agent: {
    k3s_agent_version: 'v1.35.4+k3s1',
    k3s_agent_token: 'a-join-token-of-some-length',
    k3s_agent_node_ip: '10.80.0.2',
    k3s_agent_server_url: 'https://10.80.0.1:6443',
  },
};

type Case = {
  host: string;
  role: string;
  variable: string;
  how: 'missing' | 'empty';
};
const cases: Case[] = Object.entries(complete).flatMap(([role, vars]) =>
  Object.keys(vars).flatMap(variable =>
    (['missing', 'empty'] as const)
      // common_admin_ssh_keys has a default ([]): only its empty case exists.
      .filter(
        how => !(variable === 'common_admin_ssh_keys' && how === 'missing'),
      )
      .map(how => ({ host: `${variable}-${how}`, role, variable, how })),
  ),
);

interface HostResult {
  failed?: boolean;
  unreachable?: boolean;
  msg?: string;
  changed?: boolean;
}
interface JsonReport {
  plays: {
    play: { name: string };
    tasks: { task: { name: string }; hosts: Record<string, HostResult> }[];
  }[];
}

describe('role inputs', () => {
  let report: JsonReport;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'uyoop-role-inputs-'));
    const hosts: Record<string, Record<string, unknown>> = {};
    for (const c of cases) {
      const vars = { ...complete[c.role] };
      if (c.how === 'missing') delete vars[c.variable];
      else vars[c.variable] = Array.isArray(vars[c.variable]) ? [] : '';
      // TEST-NET-1, never answered: nothing can run on a host.
      hosts[c.host] = {
        ...vars,
        ansible_host: '192.0.2.254',
        ansible_connection: 'ssh',
        ansible_ssh_common_args: '-o ConnectTimeout=1',
      };
    }
    writeFileSync(join(work, 'inventory.yml'), stringify({ all: { hosts } }));
    // One run per role: Ansible ends a run once every host of a play failed.
    const runs = await Promise.all(
      Object.keys(complete).map(async role => {
        const playbook = join(work, `${role}.yml`);
        writeFileSync(
          playbook,
          stringify([
            {
              name: role,
              hosts: cases
                .filter(c => c.role === role)
                .map(c => c.host)
                .join(','),
              gather_facts: false,
              roles: [role],
            },
          ]),
        );
        const r = await zxRunner.run(
          'ansible-playbook',
          ['-i', join(work, 'inventory.yml'), playbook],
          {
            cwd: ansibleDir,
            env: {
              ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json',
              ANSIBLE_ROLES_PATH: join(ansibleDir, 'roles'),
              ANSIBLE_HOST_KEY_CHECKING: 'False',
            },
            allowFail: true,
          },
        );
        const start = r.stdout.indexOf('{');
        if (start < 0)
          throw new Error(`ansible-playbook ${role}: ${r.stderr || r.stdout}`);
        return JSON.parse(r.stdout.slice(start)) as JsonReport;
      }),
    );
    report = { plays: runs.flatMap(r => r.plays) };
  }, 300_000);

  it.each(cases.map(c => [c.role, c.variable, c.how, c]))(
    '%s refuses %s (%s) in its first task, naming it',
    (_role, variable, _how, c) => {
      const { host, role } = c as Case;
      const play = report.plays.find(p => p.play.name === role)!;
      const ran = play.tasks.filter(t => host in t.hosts);
      const failedAt = ran.findIndex(t => t.hosts[host].failed);
      expect(failedAt).toBeGreaterThanOrEqual(0);
      // The argument specs' check, or the role's own first task right after it.
      expect(failedAt).toBeLessThanOrEqual(1);
      if (failedAt === 1)
        expect(ran[0].task.name).toMatch(
          /Validating arguments against arg spec/,
        );
      expect(ran[failedAt].hosts[host].msg).toContain(variable as string);
      expect(
        ran.some(t => t.hosts[host].changed || t.hosts[host].unreachable),
      ).toBe(false);
    },
  );
});
