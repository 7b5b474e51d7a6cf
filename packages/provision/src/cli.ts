import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CatalogError,
  isUsageError,
  loadPlatform,
  parseCommandLine,
  repoRoot,
  usageFailure,
  zxRunner,
} from '@internal/platform';
import type { CliIO, Platform, ProcessRunner } from '@internal/platform';
import { buildUserData } from './cloudInit';
import { executeProvision, formatResult } from './execute';
import { InputError, checkSiteInputs, readSiteVars } from './inputs';
import { renderInventory } from './inventory';
import { Phase, UsageError, formatPlan, phases, planProvision } from './plan';
import { SecretError, loadK3sToken, loadWireguardKeys } from './secrets';
import { readVersions } from './versions';
import {
  formatHandshake,
  formatMeshPlan,
  parseWgDump,
  planMesh,
} from './wireguard';

export interface CliDeps {
  runner?: ProcessRunner;
  /** Repository root (catalog/, infra/); tests point it at a copy. */
  root?: string;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Where the encrypted secrets are (default infra/ansible/secrets). */
  secretsDir?: string;
}

export const provisionUsage = `usage: scripts/provision.ts [converge] [options]
       scripts/provision.ts inventory [--address node=ip ...]
       scripts/provision.ts user-data <node> [--key file.pub ...]
options:
  --phase <${Object.keys(phases).join('|')}>   what to converge (default socle)
  --limit <node>[,<node>]    only these nodes
  --check --diff             show what would change, change nothing
  --dry-run                  print the plan only; --json prints it as JSON
  --address <node>=<ip>      reach a node at this address (before its DNS exists)
  --extra-vars <file>        more Ansible variables (repeatable)
exit codes: 0 done, 1 failed (catalog, secrets or a host), 2 bad usage`;

function parseAddresses(values: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const [node, address] = v.split('=');
    if (!node || !address)
      throw new UsageError(`--address ${v}: expected <node>=<ip>`);
    out[node] = address;
  }
  return out;
}

async function adminKeys(root: string, files?: string[]): Promise<string[]> {
  if (files?.length) return Promise.all(files.map(f => readFile(f, 'utf8')));
  const dir = join(root, 'infra', 'ansible', 'files', 'admin-keys');
  const names = (await readdir(dir).catch(() => [] as string[])).filter(n =>
    n.endsWith('.pub'),
  );
  return Promise.all(names.map(n => readFile(join(dir, n), 'utf8')));
}

/** The provision command: parse, plan, print or execute. Returns the exit code. */
export async function provisionCli(
  argv: string[],
  io: CliIO,
  deps: CliDeps = {},
): Promise<number> {
  const root = deps.root ?? repoRoot;
  const runner = deps.runner ?? zxRunner;
  const env = deps.env ?? process.env;
  let platform: Platform;
  try {
    const { values, positionals } = parseCommandLine(argv, {
      phase: { type: 'string' },
      limit: { type: 'string', multiple: true },
      check: { type: 'boolean' },
      diff: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      address: { type: 'string', multiple: true },
      'extra-vars': { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(provisionUsage);
      return 0;
    }
    const [command = 'converge', ...rest] = positionals;
    if (!['converge', 'inventory', 'user-data'].includes(command)) {
      throw new UsageError(`unknown command "${command}"`);
    }
    const addresses = parseAddresses(values.address);
    // The catalog is validated before anything else: a bad node fails here, no host touched.
    platform = await loadPlatform({ root });
    const versions = await readVersions(root);

    if (command === 'user-data') {
      const node = platform.nodes.find(n => n.name === rest[0]);
      if (!node)
        throw new UsageError(
          `user-data <node>: expected one of ${platform.nodes
            .map(n => n.name)
            .join(', ')}`,
        );
      io.out(
        buildUserData(node, {
          adminUser: 'uyoop',
          sshKeys: await adminKeys(root, values.key),
        }),
      );
      return 0;
    }
    const plan = planProvision(platform, {
      phase: values.phase as Phase | undefined,
      limit: values.limit?.flatMap(l => l.split(',')),
      check: values.check,
      diff: values.diff,
      versions,
      addresses,
    });
    if (command === 'inventory') {
      io.out(
        values.json
          ? JSON.stringify(plan.inventory, null, 2)
          : renderInventory(plan.inventory),
      );
      return 0;
    }
    if (values.json) {
      const { inventory, ...rest2 } = plan;
      io.out(JSON.stringify({ ...rest2, inventory }, null, 2));
    } else {
      formatPlan(plan).forEach(io.out);
    }
    // The site inputs that keep a node closed, read as Ansible will read them.
    const ansibleDir = join(root, 'infra', 'ansible');
    checkSiteInputs(
      await readSiteVars(ansibleDir, values['extra-vars']),
    ).forEach(io.err);
    if (values['dry-run']) return 0;

    const secretsDir =
      deps.secretsDir ?? join(root, 'infra', 'ansible', 'secrets');
    const k3sToken = plan.needsK3sToken
      ? await loadK3sToken(secretsDir, runner, env)
      : undefined;
    const wireguardKeys = await loadWireguardKeys(
      secretsDir,
      plan.hosts.filter(h => h.roles.includes('wireguard')).map(h => h.name),
      runner,
      env,
    );
    const result = await executeProvision(plan, {
      runner,
      ansibleDir,
      k3sToken,
      wireguardKeys,
      extraVarsFiles: values['extra-vars'],
      env,
      onProgress: io.out,
    });
    if (result.code !== 0 && !Object.keys(result.recap).length) {
      result.output.split('\n').slice(-15).forEach(io.err);
    }
    formatResult(result).forEach(result.code === 0 ? io.out : io.err);
    return result.code;
  } catch (e) {
    if (isUsageError(e)) return usageFailure(io, e, provisionUsage);
    if (
      e instanceof CatalogError ||
      e instanceof SecretError ||
      e instanceof InputError
    ) {
      io.err(`${(e as Error).message}\nnothing was changed on any node.`);
      return 1;
    }
    throw e;
  }
}

export const meshUsage = `usage: scripts/mesh.ts [plan] [--json] [--address node=ip]
       scripts/mesh.ts status [--json]   each peer's latest handshake, read on the nodes
exit codes: 0 done, 1 failed, 2 bad usage`;

/** The mesh command: the plan from the catalog, or each peer's latest handshake. */
export async function meshCli(
  argv: string[],
  io: CliIO,
  deps: CliDeps = {},
): Promise<number> {
  const root = deps.root ?? repoRoot;
  const runner = deps.runner ?? zxRunner;
  try {
    const { values, positionals } = parseCommandLine(argv, {
      json: { type: 'boolean' },
      address: { type: 'string', multiple: true },
      'extra-vars': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(meshUsage);
      return 0;
    }
    const [command = 'plan'] = positionals;
    if (!['plan', 'status'].includes(command))
      throw new UsageError(`unknown command "${command}"`);
    const addresses = parseAddresses(values.address);
    const platform = await loadPlatform({ root });
    const plan = planMesh(platform, addresses);
    if (command === 'plan') {
      if (values.json) io.out(JSON.stringify(plan, null, 2));
      else formatMeshPlan(plan).forEach(io.out);
      return 0;
    }
    // status: `wg show <iface> dump` on every node through Ansible, with the generated inventory.
    const provisionPlan = planProvision(platform, {
      versions: await readVersions(root),
      addresses,
    });
    const work = await mkdtemp(join(tmpdir(), 'uyoop-mesh-'));
    try {
      await writeFile(
        join(work, 'inventory.yml'),
        renderInventory(provisionPlan.inventory),
      );
      const extra = (values['extra-vars'] ?? []).flatMap(f => [
        '--extra-vars',
        `@${f}`,
      ]);
      const r = await runner.run(
        'ansible',
        [
          'nodes',
          '-i',
          join(work, 'inventory.yml'),
          '--become',
          '--one-line',
          '-m',
          'ansible.builtin.command',
          '-a',
          `wg show ${plan.interface} dump`,
          ...extra,
        ],
        {
          cwd: join(root, 'infra', 'ansible'),
          env: { ANSIBLE_NOCOLOR: '1', ...deps.env },
          // A node that cannot be read is reported below, with the others.
          allowFail: true,
        },
      );
      const now = (deps.now ?? Date.now)() / 1000;
      const report: Record<string, unknown> = {};
      let failed = false;
      for (const n of plan.nodes) {
        const line = r.stdout
          .split('\n')
          .find(l => l.startsWith(`${n.node} |`));
        const m = line && /\(stdout\) (.*)$/.exec(line);
        if (!line || !/\| (CHANGED|SUCCESS)/.test(line) || !m) {
          failed = true;
          report[n.node] = { error: line ?? 'no answer' };
          io.err(
            `${n.node}: cannot read ${plan.interface}: ${line ?? 'no answer'}`,
          );
          continue;
        }
        const peers = parseWgDump(
          m[1].replace(/\\n/g, '\n').replace(/\\t/g, '\t'),
        );
        const named = n.peers.map(p => {
          const s = peers.find(x => x.allowedIps.includes(p.allowedIps));
          return {
            peer: p.node,
            endpoint: s?.endpoint,
            latestHandshake: s?.latestHandshake,
            configured: !!s,
          };
        });
        report[n.node] = named;
        if (!values.json) {
          io.out(`${n.node} (${n.address})`);
          named.forEach(p =>
            io.out(
              `  -> ${p.peer}: ${
                p.configured
                  ? `handshake ${formatHandshake(p.latestHandshake, now)}`
                  : 'not configured'
              }${p.endpoint ? ` via ${p.endpoint}` : ''}`,
            ),
          );
        }
        if (named.some(p => !p.latestHandshake)) failed = true;
      }
      if (values.json) io.out(JSON.stringify(report, null, 2));
      return failed ? 1 : 0;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } catch (e) {
    if (isUsageError(e)) return usageFailure(io, e, meshUsage);
    if (e instanceof CatalogError) {
      io.err((e as Error).message);
      return 1;
    }
    throw e;
  }
}
