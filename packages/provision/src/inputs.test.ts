import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@internal/platform';
import { provisionCli } from './cli';
import { InputError, checkSiteInputs, readSiteVars } from './inputs';
import type { ProcessRunner } from '@internal/platform';

const ansibleDir = join(repoRoot, 'infra', 'ansible');

async function varsFile(vars: unknown, name = 'vars.json') {
  const file = join(await mkdtemp(join(tmpdir(), 'uyoop-inputs-')), name);
  await writeFile(file, typeof vars === 'string' ? vars : JSON.stringify(vars));
  return file;
}

describe('the SSH admin sources', () => {
  it('have no default in the repository: a run without them is refused', async () => {
    const vars = await readSiteVars(ansibleDir);
    expect(vars.security_ssh_admin_sources).toBeUndefined();
    expect(() => checkSiteInputs(vars)).toThrow(
      /^security_ssh_admin_sources is empty: name the admins' addresses/,
    );
  });

  it.each([
    [[], /^security_ssh_admin_sources is empty/],
    [null, /^security_ssh_admin_sources is empty/],
    ['192.0.2.1/32', /must be a list of CIDRs, not "192.0.2.1\/32"/],
    [['192.0.2.1/33', 'admin-pc'], /"192.0.2.1\/33", "admin-pc" are not CIDRs/],
    [['192.0.2.1/32', '0.0.0.0/0'], /contains 0.0.0.0\/0, the whole Internet/],
    [['::/0'], /set security_ssh_open_to_world: true to mean it/],
  ])('refuses %j, naming the variable', (sources, message) => {
    expect(() =>
      checkSiteInputs({ security_ssh_admin_sources: sources }),
    ).toThrow(InputError);
    expect(() =>
      checkSiteInputs({ security_ssh_admin_sources: sources }),
    ).toThrow(message);
  });

  it('accepts IPv4 and IPv6 admin CIDRs and single addresses', () => {
    expect(
      checkSiteInputs({
        security_ssh_admin_sources: [
          '198.51.100.7/32',
          '2001:db8::/48',
          '203.0.113.9',
        ],
      }),
    ).toEqual([]);
  });

  it('opens SSH to the world only when asked, and says so', () => {
    expect(
      checkSiteInputs({
        security_ssh_open_to_world: true,
        security_ssh_admin_sources: [],
      }),
    ).toEqual([expect.stringMatching(/^warning: security_ssh_open_to_world/)]);
  });

  it('reads --extra-vars files over group_vars/all.yml, YAML or JSON, the last one winning', async () => {
    const yaml = await varsFile(
      'security_ssh_admin_sources:\n  - 198.51.100.0/24\n',
      'a.yml',
    );
    const json = await varsFile({
      security_ssh_admin_sources: ['203.0.113.9/32'],
    });
    expect(
      (await readSiteVars(ansibleDir, [yaml])).security_ssh_admin_sources,
    ).toEqual(['198.51.100.0/24']);
    expect(
      (await readSiteVars(ansibleDir, [yaml, json])).security_ssh_admin_sources,
    ).toEqual(['203.0.113.9/32']);
    await expect(
      readSiteVars(ansibleDir, ['/nonexistent.yml']),
    ).rejects.toThrow(/cannot read the variables file \/nonexistent.yml/);
  });

  it('stop the provision command before any host is touched when empty', async () => {
    const calls: string[] = [];
    const recording: ProcessRunner = {
      run: async c => {
        calls.push(c);
        return { code: 0, stdout: '', stderr: '' };
      },
    };
    const out: string[] = [];
    const code = await provisionCli(
      ['--extra-vars', await varsFile({ security_ssh_admin_sources: [] })],
      { out: l => out.push(l), err: l => out.push(l) },
      { runner: recording, env: {} },
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/security_ssh_admin_sources is empty/);
    expect(out.join('\n')).toMatch(/nothing was changed on any node/);
    expect(calls).toEqual([]);
  }, 60_000);
});
