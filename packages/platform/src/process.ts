/**
 * The process layer of the platform's engines: every external tool (kubectl,
 * velero, restic, ip, systemd-nspawn...) starts through zx, with an explicit
 * environment and working folder, a timeout, an abort signal and captured
 * output. Engines take a `ProcessRunner`, so their plans and error paths are
 * unit-tested with a recording runner and the real calls run in integration.
 */
import {
  spawn as nodeSpawn,
  spawnSync as nodeSpawnSync,
  type ChildProcess,
} from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { $, ProcessOutput, ProcessPromise, type Options } from 'zx';

export interface RunOptions {
  cwd?: string;
  /** Added to the current environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** The process gets `env` only, not the current environment. */
  replaceEnv?: boolean;
  /** Called with each line of stdout and stderr as it comes. */
  onLine?: (line: string) => void;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Resolve with a non-zero code instead of rejecting. */
  allowFail?: boolean;
  /** Values replaced by *** in error messages (tokens, keys). */
  secrets?: string[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One command of a pipeline. */
export interface Command {
  cmd: string;
  args: string[];
  opts?: Omit<RunOptions, 'input' | 'onLine'>;
}

/** How an engine starts processes: injectable, so plans and error paths are unit-tested. */
export interface ProcessRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * `from | to`: what `from` prints streams into `to`'s input, never held in
   * memory (a database dump into restic). Both ends are awaited; the first
   * that failed throws as `run` would, unless its `allowFail` is set. The
   * `from` result's stdout is empty.
   */
  pipe?(
    from: Command,
    to: Command,
  ): Promise<{ from: RunResult; to: RunResult }>;
}

/** A command that failed: names the command line, its exit code and the end of its output. */
export class CommandError extends Error {
  constructor(readonly command: string, readonly result: RunResult) {
    const tail = (result.stderr.trim() || result.stdout.trim())
      .split('\n')
      .slice(-15)
      .join('\n');
    super(`${command} failed (exit ${result.code})${tail ? `: ${tail}` : ''}`);
  }
}

export function redact(text: string, secrets: string[] = []): string {
  return secrets
    .filter(s => s.length >= 4)
    .reduce((t, s) => t.split(s).join('***'), text);
}

function environment(
  env: RunOptions['env'],
  replaceEnv = false,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = replaceEnv ? {} : { ...process.env };
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Splits a stream into lines for `onLine` (the last partial line when it ends). */
function streamLines(
  stream: NodeJS.ReadableStream | null | undefined,
  onLine: (line: string) => void,
) {
  if (!stream) return;
  let rest = '';
  stream.on('data', (chunk: Buffer | string) => {
    rest += chunk.toString();
    const parts = rest.split('\n');
    rest = parts.pop()!;
    parts.forEach(onLine);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

function outcome(
  cmd: string,
  args: string[],
  out: ProcessOutput,
  opts: RunOptions,
): RunResult {
  const result = {
    code: out.exitCode ?? 1,
    stdout: out.stdout,
    stderr: out.stderr,
  };
  if (result.code !== 0 && !opts.allowFail) {
    const line = redact([cmd, ...args].join(' '), opts.secrets);
    const why = out.signal
      ? `${opts.signal?.aborted ? 'aborted' : 'killed'} by ${out.signal}${
          opts.timeoutMs && !opts.signal?.aborted
            ? ` (timeout ${opts.timeoutMs} ms)`
            : ''
        }`
      : '';
    throw new CommandError(line, {
      ...result,
      stdout: redact(result.stdout, opts.secrets),
      stderr: redact(
        [result.stderr, why].filter(Boolean).join('\n'),
        opts.secrets,
      ),
    });
  }
  return result;
}

const zxOptions = (opts: RunOptions) => ({
  cwd: opts.cwd,
  env: environment(opts.env, opts.replaceEnv),
  timeout: opts.timeoutMs,
  signal: opts.signal,
  nothrow: true,
  quiet: true,
  verbose: false,
});

/** A chunk list that keeps nothing: output streamed elsewhere is not stored. */
const dropped = <T>(): T[] => Object.assign([] as T[], { push: () => 0 });

/** Runs real processes through zx: argument arrays, each quoted by zx, no shell string. */
export const zxRunner: Required<ProcessRunner> = {
  async run(cmd, args, opts = {}) {
    const p = $({
      ...zxOptions(opts),
      input: opts.input,
      // Without input, stdin is empty: a tool that reads it sees its end at once.
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })`${[cmd, ...args]}`;
    if (opts.onLine) {
      streamLines(p.stdout, opts.onLine);
      streamLines(p.stderr, opts.onLine);
    }
    return outcome(cmd, args, await p, opts);
  },

  async pipe(from, to) {
    const source = $({
      ...zxOptions(from.opts ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      store: {
        stdout: dropped(),
        stderr: [],
        stdall: dropped(),
      } as unknown as Options['store'],
    })`${[from.cmd, ...from.args]}`;
    const sink = $({
      ...zxOptions(to.opts ?? {}),
      input: source,
      stdio: ['pipe', 'pipe', 'pipe'],
    })`${[to.cmd, ...to.args]}`;
    const [a, b] = await Promise.all([source, sink]);
    return {
      from: outcome(from.cmd, from.args, a, from.opts ?? {}),
      to: outcome(to.cmd, to.args, b, to.opts ?? {}),
    };
  },
};

/**
 * The same, blocking: for the few callers that cannot wait (test harnesses
 * whose helpers are synchronous). No abort signal and no streaming.
 */
export function runSync(
  cmd: string,
  args: string[],
  opts: Omit<RunOptions, 'signal' | 'onLine'> = {},
): RunResult {
  const out = $({
    cwd: opts.cwd,
    env: environment(opts.env, opts.replaceEnv),
    input: opts.input ?? '',
    timeout: opts.timeoutMs,
    nothrow: true,
    quiet: true,
    verbose: false,
    sync: true,
    // zx's own timeout does not apply to a blocking run: Node's does.
    spawnSync: ((c: string, a: string[], o: object) =>
      nodeSpawnSync(c, a, {
        ...o,
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      })) as unknown as typeof nodeSpawnSync,
  })`${[cmd, ...args]}`;
  return outcome(cmd, args, out, opts);
}

/** A runner that starts every command through a prefix, e.g. `ip netns exec <ns>`. */
export function prefixedRunner(
  base: ProcessRunner,
  prefix: string[],
): ProcessRunner {
  return {
    run: (cmd, args, opts) =>
      base.run(prefix[0], [...prefix.slice(1), cmd, ...args], opts),
  };
}

export interface DaemonSpec {
  cmd: string;
  args: string[];
  env?: Record<string, string | undefined>;
  replaceEnv?: boolean;
  cwd?: string;
  /** Where its stdout and stderr go. */
  logFile: string;
}

/**
 * Starts a long-running process in a session of its own (so that stopping it
 * stops its children too), detached from this one, its output in a log file.
 * Returns its pid; the caller keeps it in a pid file and stops it by pid.
 */
export function startDaemon(spec: DaemonSpec): number {
  const log = openSync(spec.logFile, 'a');
  try {
    const p = $({
      cwd: spec.cwd,
      env: environment(spec.env, spec.replaceEnv),
      detached: true,
      stdio: ['ignore', log, log],
      nothrow: true,
      quiet: true,
      verbose: false,
    })`${[spec.cmd, ...spec.args]}`;
    p.catch(() => undefined);
    const child = p.child;
    if (!child?.pid) throw new Error(`could not start ${spec.cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Exists and is not a zombie (PID 1 of a test machine may reap orphans late). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Stops a daemon started by startDaemon: TERM to its process group, KILL after
 * `graceMs`. Returns false when it was not running.
 */
export async function stopDaemon(pid: number, graceMs = 10_000) {
  if (!alive(pid)) return false;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  signal('SIGKILL');
  return true;
}

export interface ServiceSpec {
  cmd: string;
  args: string[];
  env?: Record<string, string | undefined>;
  replaceEnv?: boolean;
  cwd?: string;
  /** Run as this user and group (a server that refuses root). */
  uid?: number;
  gid?: number;
  /** Its stdout and stderr go to this file instead of being captured. */
  logFile?: string;
  /** In a session of its own, so that stopping it stops its children (default true). */
  detached?: boolean;
}

/** A process that runs next to this one (a server, a machine), and how to stop it. */
export interface Service {
  pid: number;
  /** Its output so far (empty when it goes to a log file). */
  output(): string;
  /** Its exit code, or undefined while it runs (a signal counts as 1). */
  exitCode(): number | undefined;
  /** Resolves when it has exited. */
  exited: Promise<RunResult>;
  /** TERM to its process group, KILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Lets this process exit without waiting for it. */
  unref(): void;
}

/**
 * Starts a long-running process through zx and keeps a handle on it: its
 * output, its exit, a stop that waits for it. For processes whose life is the
 * caller's (a test's servers); `startDaemon` is for those that outlive it.
 */
export function startService(spec: ServiceSpec): Service {
  const log = spec.logFile ? openSync(spec.logFile, 'a') : undefined;
  let p: ProcessPromise;
  try {
    p = $({
      cwd: spec.cwd,
      env: environment(spec.env, spec.replaceEnv),
      detached: spec.detached ?? true,
      stdio:
        log === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', log, log],
      nothrow: true,
      quiet: true,
      verbose: false,
      spawn: ((cmd: string, args: string[], o: object) =>
        nodeSpawn(cmd, args, {
          ...o,
          ...(spec.uid === undefined ? {} : { uid: spec.uid }),
          ...(spec.gid === undefined ? {} : { gid: spec.gid }),
        })) as unknown as typeof nodeSpawn,
    })`${[spec.cmd, ...spec.args]}`;
  } finally {
    if (log !== undefined) closeSync(log);
  }
  const child = p.child as ChildProcess | undefined;
  if (!child?.pid) throw new Error(`could not start ${spec.cmd}`);
  const pid = child.pid;
  let output = '';
  if (log === undefined) {
    child.stdout?.on('data', d => (output += d));
    child.stderr?.on('data', d => (output += d));
  }
  let code: number | undefined;
  const exited = (async (): Promise<RunResult> => {
    const out = await p;
    code = out.exitCode ?? 1;
    return { code, stdout: out.stdout, stderr: out.stderr };
  })();
  return {
    pid,
    output: () => output,
    exitCode: () => code,
    exited,
    unref: () => child.unref(),
    stop: async (graceMs = 10_000) => {
      if (code !== undefined) return;
      await stopDaemon(pid, graceMs);
      await exited;
    },
  };
}
