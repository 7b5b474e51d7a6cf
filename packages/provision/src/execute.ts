import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderInventory } from './inventory';
import type { ProvisionPlan } from './plan';
import { HostRecap, parseRecap, progressLine } from './recap';
import type { ProcessRunner } from '@internal/platform';

export interface ExecuteDeps {
  runner: ProcessRunner;
  /** infra/ansible: holds ansible.cfg and site.yml. */
  ansibleDir: string;
  /** The decrypted K3s join token, when the plan needs it. Never written to the repo. */
  k3sToken?: string;
  /** Pre-generated WireGuard private keys by node, decrypted from SOPS/age. */
  wireguardKeys?: Record<string, string>;
  /** More `-e @file` variable files (e.g. the test's SSH key and offline apt settings). */
  extraVarsFiles?: string[];
  env?: Record<string, string | undefined>;
  onProgress?: (line: string) => void;
}

export interface ExecuteResult {
  /** 0 when every planned host converged, 1 otherwise. */
  code: number;
  ansibleExitCode: number;
  recap: Record<string, HostRecap>;
  unreachable: string[];
  failed: string[];
  seconds: number;
  output: string;
}

/** Writes the generated inventory, runs ansible-playbook on site.yml, reads the recap. */
export async function executeProvision(
  plan: ProvisionPlan,
  deps: ExecuteDeps,
): Promise<ExecuteResult> {
  const work = await mkdtemp(join(tmpdir(), 'uyoop-provision-'));
  try {
    const inventoryFile = join(work, 'inventory.yml');
    await writeFile(inventoryFile, renderInventory(plan.inventory));
    const args = ['-i', inventoryFile, 'site.yml', ...plan.args];
    const secretVars = {
      ...(plan.needsK3sToken && deps.k3sToken
        ? { k3s_server_token: deps.k3sToken, k3s_agent_token: deps.k3sToken }
        : {}),
      ...(Object.keys(deps.wireguardKeys ?? {}).length
        ? { wireguard_private_keys: deps.wireguardKeys }
        : {}),
    };
    if (Object.keys(secretVars).length) {
      const secrets = join(work, 'secrets.json');
      await writeFile(secrets, JSON.stringify(secretVars), { mode: 0o600 });
      await chmod(secrets, 0o600);
      args.push('--extra-vars', `@${secrets}`);
    }
    for (const f of deps.extraVarsFiles ?? [])
      args.push('--extra-vars', `@${f}`);
    const started = Date.now();
    const r = await deps.runner.run('ansible-playbook', args, {
      cwd: deps.ansibleDir,
      env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ...deps.env },
      // Its exit code is read with the recap below.
      allowFail: true,
      onLine: line => {
        const p = progressLine(line);
        if (p && deps.onProgress) deps.onProgress(p);
      },
    });
    const output = `${r.stdout}\n${r.stderr}`;
    const recap = parseRecap(r.stdout);
    const planned = plan.hosts.map(h => h.name);
    const unreachable = planned.filter(h => (recap[h]?.unreachable ?? 0) > 0);
    const failed = planned.filter(
      h => !unreachable.includes(h) && (!recap[h] || recap[h].failed > 0),
    );
    return {
      code: r.code === 0 && !unreachable.length && !failed.length ? 0 : 1,
      ansibleExitCode: r.code,
      recap,
      unreachable,
      failed,
      seconds: (Date.now() - started) / 1000,
      output,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatResult(result: ExecuteResult): string[] {
  const out = Object.entries(result.recap).map(
    ([h, r]) =>
      `  ${h}: ok=${r.ok} changed=${r.changed} failed=${r.failed} unreachable=${r.unreachable}`,
  );
  // The reason of each failure, from Ansible's own words.
  for (const line of result.output.split('\n')) {
    if (/^(fatal|failed): \[/.test(line) && !/UNREACHABLE!/.test(line))
      out.push(`  ${line.slice(0, 600)}`);
  }
  if (result.unreachable.length) {
    out.push(
      `unreachable: ${result.unreachable.join(
        ', ',
      )} (check the address, SSH and the firewall's admin sources)`,
    );
  }
  if (result.failed.length)
    out.push(`failed: ${result.failed.join(', ')} (see the task output above)`);
  out.push(
    result.code === 0
      ? `done in ${result.seconds.toFixed(1)} s`
      : `failed after ${result.seconds.toFixed(1)} s`,
  );
  return out;
}
