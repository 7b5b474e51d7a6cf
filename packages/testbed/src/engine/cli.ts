/**
 * `yarn testbed up | down | status | build`: thin, the engine does the work.
 * Exit codes: 0 done, 1 failed, 2 bad usage, 3 status of a testbed not (fully) running.
 */
import { parseArgs } from 'node:util';
import type { CliIO } from '@internal/platform';
import { createContext, TestbedContext } from './context';
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
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false } },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${testbedUsage}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  const known = ['up', 'down', 'status', 'build', 'workloads'];
  if (!known.includes(command) || rest.length || (parsed.values.json && command !== 'status')) {
    io.err(command && !known.includes(command) ? `unknown command "${command}"\n\n${testbedUsage}` : testbedUsage);
    return 2;
  }
  try {
    if (command === 'up') {
      await up(ctx);
      io.out(formatEndpoints(endpoints(ctx)));
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
