/**
 * `yarn testbed up | down | status | build`: thin, the engine does the work.
 * Exit codes: 0 done, 1 failed, 2 bad usage, 3 status of a testbed not (fully) running.
 */
import { isUsageError, parseCommandLine, usageFailure, UsageError } from '@internal/platform';
import type { CliIO } from '@internal/platform';
import { createContext, TestbedContext } from './context';
import { testbedBuckets } from './s3';
import { applyWorkloads } from './workloads';
import { build, down, formatEndpoints, endpoints, formatStatus, status, up } from './testbed';

export const testbedUsage = `usage: yarn testbed <command>

commands:
  up              build what is missing (cached), start everything, write .testbed/env
  down            stop what up started (by pid) and remove its state
  status [--json] each component: running or stopped, and the endpoints
  build           only build the tools, the node layer and the images into the cache
  workloads       run the catalog's K3s services as small stand-ins on their nodes (for the portal)`;

export async function testbedCli(
  argv: string[],
  io: CliIO,
  ctx: TestbedContext = createContext(),
): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, { json: { type: 'boolean', default: false } });
    const [command, ...rest] = parsed.positionals;
    const known = ['up', 'down', 'status', 'build', 'workloads'];
    if (!command) throw new UsageError('');
    if (!known.includes(command)) throw new UsageError(`unknown command "${command}"`);
    if (rest.length) throw new UsageError(`${command} takes no argument: ${rest.join(' ')}`);
    if (parsed.values.json && command !== 'status') throw new UsageError('--json is for status');
  } catch (e) {
    if (isUsageError(e)) return usageFailure(io, e, testbedUsage);
    throw e;
  }
  const [command] = parsed.positionals;
  try {
    if (command === 'up') {
      await up(ctx);
      io.out(formatEndpoints(endpoints(ctx, await testbedBuckets(ctx))));
    } else if (command === 'down') {
      await down(ctx);
    } else if (command === 'build') {
      await build(ctx);
    } else if (command === 'workloads') {
      await applyWorkloads(ctx);
    } else {
      const s = await status(ctx);
      io.out(parsed.values.json ? JSON.stringify(s, null, 2) : formatStatus(s));
      return s.running ? 0 : 3;
    }
    return 0;
  } catch (e) {
    io.err(`\u001b[1;31m[testbed] error:\u001b[0m ${(e as Error).message}`);
    return 1;
  }
}
