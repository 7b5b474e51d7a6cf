/**
 * Third-party judges of the Ansible code and the generated cloud-init, from
 * Debian (installed by scripts/prepare.d/ansible-nodes.sh).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, repoRoot } from '@internal/platform';
import { buildUserData } from './cloudInit';

const ansibleDir = join(repoRoot, 'infra', 'ansible');
const run = (cmd: string, args: string[], cwd = ansibleDir) => {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 300_000,
  });
  if (r.error)
    throw new Error(
      `${cmd} cannot run (${r.error.message}): run scripts/prepare.d/ansible-nodes.sh`,
    );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('infra/ansible judged by its linters', () => {
  it('is clean for ansible-lint --profile production', () => {
    const r = run('ansible-lint', ['--profile', 'production', '--nocolor']);
    expect(r.out).toMatch(
      /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/,
    );
    expect(r.code).toBe(0);
  }, 300_000);

  it('is clean for yamllint', () => {
    const r = run('yamllint', ['--strict', '.']);
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
      const r = run('cloud-init', ['schema', '--config-file', file], dir);
      expect(r.out).toMatch(/Valid cloud-config/);
      expect(r.code).toBe(0);
    }
  }, 60_000);

  it('is rejected by `cloud-init schema` when broken (the check can fail)', () => {
    const file = join(
      mkdtempSync(join(tmpdir(), 'uyoop-user-data-')),
      'bad.yaml',
    );
    writeFileSync(file, '#cloud-config\nssh_pwauth: maybe\nusers: 42\n');
    expect(run('cloud-init', ['schema', '--config-file', file]).code).not.toBe(
      0,
    );
  });
});
