/**
 * Bench: wall time of the no-op second converge of both nodes (site.yml,
 * phase socle), against an anchor measured in the same run: one bare
 * `ansible nodes -m ping` round over the same SSH setup. It also records
 * core-prod's Lynis hardening index converged, against the fresh rootfs.
 * Run (root, after scripts/prepare.d/ansible-nodes.sh):
 *   node_modules/.bin/tsx bench/provision-noop-converge.ts
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  commandLineOrExit,
  loadPlatform,
  prefixedRunner,
  repoRoot,
  zxRunner,
} from '@internal/platform';
import {
  planProvision,
  provisionCli,
  readVersions,
  renderInventory,
} from '@internal/provision';
import {
  NodeLab,
  lanNetns,
  prepareLabInputs,
} from '../packages/provision/src/testing/nodes';
import { lynisAudit } from '../packages/provision/src/testing/lynis';

const addresses = { 'core-prod': '192.0.2.11', 'ai-lab': '192.0.2.12' };

async function main() {
  commandLineOrExit(
    process.argv.slice(2),
    {},
    'usage: tsx bench/provision-noop-converge.ts (no options; as root, after scripts/prepare.d/ansible-nodes.sh)',
    { positionals: false },
  );
  const missing = NodeLab.missing();
  if (missing) throw new Error(missing);
  const lab = new NodeLab(
    Object.entries(addresses).map(([name, address]) => ({ name, address })),
  );
  const runner = prefixedRunner(zxRunner, [
    'ip',
    'netns',
    'exec',
    lanNetns,
  ]);
  try {
    await lab.start();
    const versions = await readVersions();
    const lynisFresh = lynisAudit(lab, 'core-prod').index;
    const { args, env, secretsDir, varsFile } = prepareLabInputs(
      lab,
      addresses,
      versions.K3S_VERSION,
    );
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
    const lynisConverged = lynisAudit(lab, 'core-prod').index;
    console.log(
      `Lynis hardening index of core-prod: ${lynisConverged} converged, ${lynisFresh} on the fresh rootfs (ratio ${(
        lynisConverged / lynisFresh
      ).toFixed(2)})`,
    );
  } finally {
    await lab.stop();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
