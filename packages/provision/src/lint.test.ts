/**
 * Third-party judges of the Ansible code and the generated cloud-init, from
 * Debian (installed by scripts/prepare.d/ansible-nodes.sh).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, repoRoot, zxRunner } from '@internal/platform';
import { buildUserData } from './cloudInit';

const ansibleDir = join(repoRoot, 'infra', 'ansible');
const run = async (cmd: string, args: string[], cwd = ansibleDir) => {
  const r = await zxRunner.run(cmd, args, {
    cwd,
    env: { NO_COLOR: '1' },
    timeoutMs: 300_000,
    allowFail: true,
  });
  if (r.code === 127)
    throw new Error(
      `${cmd} cannot run (${r.stderr.trim()}): run scripts/prepare.d/ansible-nodes.sh`,
    );
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
};

describe('infra/ansible judged by its linters', () => {
  it('is clean for ansible-lint --profile production', async () => {
    const r = await run('ansible-lint', ['--profile', 'production', '--nocolor']);
    expect(r.out).toMatch(
      /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/,
    );
    expect(r.code).toBe(0);
  }, 300_000);

  it('is clean for yamllint', async () => {
    const r = await run('yamllint', ['--strict', '.']);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('generated cloud-init user-data', () => {
  it('passes `cloud-init schema` for every node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-user-data-'));
    for (const node of (await loadPlatform()).nodes) {
      const file = join(dir, `${node.name}.yaml`);
      writeFileSync(
        file,
        buildUserData(node, {
          adminUser: 'uyoop',
          sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJxj admin@uyoop'],
        }),
      );
      const r = await run('cloud-init', ['schema', '--config-file', file], dir);
      expect(r.out).toMatch(/Valid cloud-config/);
      expect(r.code).toBe(0);
    }
  }, 60_000);

  it('is rejected by `cloud-init schema` when broken (the check can fail)', async () => {
    const file = join(
      mkdtempSync(join(tmpdir(), 'uyoop-user-data-')),
      'bad.yaml',
    );
    writeFileSync(file, '#cloud-config\nssh_pwauth: maybe\nusers: 42\n');
    expect(
      (await run('cloud-init', ['schema', '--config-file', file])).code,
    ).not.toBe(0);
  });
});
