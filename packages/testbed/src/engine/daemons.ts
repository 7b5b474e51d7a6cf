/**
 * The testbed's host-side daemons, each known by name: a pid file in
 * .testbed/run/<name>.pid, a log in .testbed/logs/<name>.log. A pid is taken
 * for the daemon only while its command line still names the program, so a pid
 * reused after a reboot is never stopped by mistake.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { alive, startDaemon, stopDaemon } from '@internal/platform';
import { paths, TestbedContext } from './context';

const pidFile = (ctx: TestbedContext, name: string) =>
  join(paths(ctx).run, `${name}.pid`);

export const logFile = (ctx: TestbedContext, name: string) =>
  join(paths(ctx).logs, `${name}.log`);

/** The daemon's pid while it runs, else undefined. */
export function runningPid(
  ctx: TestbedContext,
  name: string,
  program = name,
): number | undefined {
  const file = pidFile(ctx, name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!pid || !alive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(program) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function start(
  ctx: TestbedContext,
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): number {
  const { run, logs } = paths(ctx);
  mkdirSync(run, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const pid = startDaemon({ cmd, args, env, logFile: logFile(ctx, name) });
  writeFileSync(pidFile(ctx, name), `${pid}\n`);
  return pid;
}

export async function stop(ctx: TestbedContext, name: string, program = name) {
  const pid = runningPid(ctx, name, program);
  if (pid && (await stopDaemon(pid))) ctx.log.step(`stopped ${name} (pid ${pid})`);
  rmSync(pidFile(ctx, name), { force: true });
}

/** Every pid file's pid, running or not (the life-cycle test checks they are gone). */
export function recordedPids(ctx: TestbedContext): number[] {
  const dir = paths(ctx).run;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(f => f.endsWith('.pid'))
    .map(f => Number(readFileSync(join(dir, f), 'utf8').trim()));
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls until `probe` resolves true, or fails naming what it waited for and where to look. */
export async function waitFor(
  ctx: TestbedContext,
  seconds: number,
  what: string,
  probe: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(
    `timed out after ${seconds} s waiting for ${what} (logs in ${paths(ctx).logs}/)`,
  );
}
