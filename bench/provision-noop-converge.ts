/**
 * Bench: wall time of the no-op second converge of both nodes (site.yml,
 * phase socle), against an anchor measured in the same run: one bare
 * `ansible nodes -m ping` round over the same SSH setup.
 * Run (root, after scripts/prepare.d/ansible-nodes.sh):
 *   node_modules/.bin/tsx bench/provision-noop-converge.ts
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlatform, repoRoot } from '@internal/platform';
import {
  nodeProcessRunner,
  planProvision,
  prefixedRunner,
  provisionCli,
  readVersions,
  renderInventory,
} from '@internal/provision';
import {
  NodeLab,
  controllerAddress,
  lanNetns,
  writeK3sStandin,
} from '../packages/provision/src/testing/nodes';

const addresses = { 'core-prod': '192.0.2.11', 'ai-lab': '192.0.2.12' };

async function main() {
  const missing = NodeLab.missing();
  if (missing) throw new Error(missing);
  const lab = new NodeLab(
    Object.entries(addresses).map(([name, address]) => ({ name, address })),
  );
  const runner = prefixedRunner(nodeProcessRunner, [
    'ip',
    'netns',
    'exec',
    lanNetns,
  ]);
  try {
    await lab.start();
    const versions = await readVersions();
    const standin = writeK3sStandin(lab.work, versions.K3S_VERSION);
    const secretsDir = join(lab.work, 'secrets');
    await mkdir(secretsDir);
    lab.controller('age-keygen', ['-o', join(lab.work, 'age.key')]);
    const recipient = /public key: (\S+)/.exec(
      await readFile(join(lab.work, 'age.key'), 'utf8'),
    )![1];
    await writeFile(
      join(lab.work, 'token.txt'),
      'bench-token-0123456789abcdef',
    );
    lab.controller('age', [
      '-r',
      recipient,
      '-o',
      join(secretsDir, 'k3s-token.age'),
      join(lab.work, 'token.txt'),
    ]);
    const varsFile = join(lab.work, 'vars.json');
    await writeFile(
      varsFile,
      JSON.stringify({
        ansible_user: 'uyoop',
        ansible_ssh_private_key_file: lab.sshKey,
        common_admin_ssh_keys: [
          (await readFile(`${lab.sshKey}.pub`, 'utf8')).trim(),
        ],
        common_apt_cache_valid_time: 10 * 365 * 86400,
        security_ssh_admin_sources: [`${controllerAddress}/32`],
        security_crowdsec_central_api: false,
        security_crowdsec_whitelist: [`${controllerAddress}/32`],
        wireguard_userspace: true,
        wireguard_public_key_dir: join(lab.work, 'wg-keys'),
        k3s_server_binary_src: standin,
        k3s_agent_binary_src: standin,
      }),
    );
    const env = {
      ...process.env,
      SOPS_AGE_KEY_FILE: join(lab.work, 'age.key'),
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      ANSIBLE_SSH_CONTROL_PATH_DIR: lab.controlPathDir,
    };
    const args = [
      ...Object.entries(addresses).flatMap(([n, a]) => [
        '--address',
        `${n}=${a}`,
      ]),
      '--extra-vars',
      varsFile,
    ];
    const quiet = { out: () => {}, err: (l: string) => console.error(l) };
    const timed = async (f: () => Promise<number>) => {
      const t = process.hrtime.bigint();
      const code = await f();
      if (code !== 0) throw new Error(`exit ${code}`);
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const first = await timed(() =>
      provisionCli(args, quiet, { runner, env, secretsDir }),
    );
    const noop = await timed(() =>
      provisionCli(args, quiet, { runner, env, secretsDir }),
    );
    // Anchor: one ping round on both nodes, same inventory and SSH settings.
    const plan = planProvision(await loadPlatform(), { versions, addresses });
    await writeFile(
      join(lab.work, 'inventory.yml'),
      renderInventory(plan.inventory),
    );
    lab.closeSshMasters();
    const anchor = await timed(
      async () =>
        (
          await runner.run(
            'ansible',
            [
              'nodes',
              '-i',
              join(lab.work, 'inventory.yml'),
              '-m',
              'ansible.builtin.ping',
              '--extra-vars',
              `@${varsFile}`,
            ],
            { cwd: join(repoRoot, 'infra', 'ansible'), env },
          )
        ).code,
    );
    console.log(
      `provision-noop-converge: first converge ${first.toFixed(
        1,
      )} s, no-op converge ${noop.toFixed(
        1,
      )} s, anchor (ansible -m ping, both nodes) ${anchor.toFixed(2)} s`,
    );
    console.log(
      `ratio no-op converge / ping round: ${(noop / anchor).toFixed(1)}`,
    );
  } finally {
    await lab.stop();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
