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
  const [command, ...rest] = args;
  const known = ['validate', 'nodes', 'impact', 'workloads'];
  if (!known.includes(command) || (command === 'impact' && rest.length !== 1)) {
    io.err(
      command && !known.includes(command)
        ? `unknown command "${command}"\n\n${usage}`
        : usage,
    );
    return 2;
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
    if (rest.includes('--json')) {
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
