import { isUsageError, parseCommandLine, usageFailure, UsageError } from './args';
import { impactOf } from './build';
import { CatalogError } from './errors';
import { loadPlatform, LoadOptions } from './load';
import { toEntityRef } from './refs';
import { demoWorkloads } from './workloads';

export const usage = `usage: yarn uyoop catalog <command>

commands:
  validate            check every file of catalog/ (exit 1 and the problems when invalid)
  nodes [--json]      the nodes with their specs, Kubernetes labels and taints
  impact <entity>     what stops working when <entity> goes down (e.g. core-prod)
  workloads           stand-in Deployments of the K3s services, as a JSON List for kubectl apply`;

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The terminal: standard output and standard error, a line at a time. */
export const consoleIO: CliIO = {
  out: line => console.log(line),
  err: line => console.error(line),
};

/**
 * Runs a command-line entry point on the terminal: its result becomes the
 * exit code, and an unexpected error is printed (as `describe` words it) with exit 1.
 */
export function runCli(
  run: (io: CliIO) => Promise<number>,
  describe: (error: unknown) => unknown = error => error,
): void {
  run(consoleIO).then(
    code => process.exit(code),
    error => {
      console.error(describe(error));
      process.exit(1);
    },
  );
}

/** The `catalog` commands. Returns the exit code: 0 done, 1 failed, 2 bad usage. */
export async function catalogCli(
  args: string[],
  io: CliIO,
  options: LoadOptions = {},
): Promise<number> {
  let command: string | undefined;
  let rest: string[];
  let json: boolean;
  try {
    const parsed = parseCommandLine(args, {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (parsed.values.help) {
      io.out(usage);
      return 0;
    }
    [command, ...rest] = parsed.positionals;
    json = parsed.values.json ?? false;
    const known = ['validate', 'nodes', 'impact', 'workloads'];
    if (!command) throw new UsageError('');
    if (!known.includes(command))
      throw new UsageError(`unknown command "${command}"`);
    if (command === 'impact' && rest.length !== 1)
      throw new UsageError('impact takes one entity');
    if (command !== 'impact' && rest.length)
      throw new UsageError(`${command} takes no argument: ${rest.join(' ')}`);
    if (json && command !== 'nodes')
      throw new UsageError(`--json is for the nodes command`);
  } catch (e) {
    if (isUsageError(e)) return usageFailure(io, e, usage);
    throw e;
  }
  let platform;
  try {
    platform = await loadPlatform(options);
  } catch (e) {
    if (e instanceof CatalogError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
  if (command === 'validate') {
    io.out(
      `catalog/ is valid: ${platform.entities.length} entities, ${platform.nodes.length} nodes, ` +
        `${platform.services.length} services in ${platform.namespaces.length} namespaces, ${platform.systems.length} systems`,
    );
  } else if (command === 'nodes') {
    if (json) {
      io.out(
        JSON.stringify(
          platform.nodes.map(({ services, ...n }) => ({
            ...n,
            capacity: {
              cpu: n.vcpu,
              memoryGiB: n.memoryGiB,
              diskGiB: n.diskGiB,
            },
            services,
          })),
          null,
          2,
        ),
      );
    } else {
      for (const n of platform.nodes) {
        io.out(
          `${n.name}  ${n.offer}  ${n.vcpu} vCores  ${n.memoryGiB} GiB  ${n.diskGiB} GiB  ` +
            `${n.monthlyPrice.amount} ${n.monthlyPrice.currency} ${n.monthlyPrice.basis}/month  ` +
            `k3s ${n.k3sRole}  mesh ${n.meshAddress}  hosts ${n.services.length}`,
        );
      }
    }
  } else if (command === 'workloads') {
    io.out(
      JSON.stringify(
        { apiVersion: 'v1', kind: 'List', items: demoWorkloads(platform) },
        null,
        2,
      ),
    );
  } else {
    const target = toEntityRef(rest[0], 'resource');
    if (!platform.entities.some(e => e.ref === target)) {
      io.err(`${rest[0]} is not in the catalog`);
      return 1;
    }
    const impact = impactOf(platform, target);
    io.out(`If ${rest[0]} goes down, ${impact.length} entities are affected:`);
    impact.forEach(ref => io.out(`  ${ref}`));
  }
  return 0;
}
