/**
 * The process layer of the platform's engines: every external tool (kubectl,
 * velero, restic, ip, systemd-nspawn...) starts through zx, with an explicit
 * environment and working folder, a timeout, an abort signal and captured
 * output. Engines take a `ProcessRunner`, so their plans and error paths are
 * unit-tested with a recording runner and the real calls run in integration.
 */
import { openSync, closeSync, readFileSync } from 'node:fs';
import { $ } from 'zx';

export interface RunOptions {
  cwd?: string;
  /** Added to the current environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
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

/** How an engine starts processes: injectable, so plans and error paths are unit-tested. */
export interface ProcessRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A command that failed: names the command line, its exit code and the end of its output. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
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

function environment(env: RunOptions['env']): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Runs real processes through zx: argument arrays, each quoted by zx, no shell string. */
export const zxRunner: ProcessRunner = {
  async run(cmd, args, opts = {}) {
    const out = await $({
      cwd: opts.cwd,
      env: environment(opts.env),
      input: opts.input,
      timeout: opts.timeoutMs,
      signal: opts.signal,
      nothrow: true,
      quiet: true,
      verbose: false,
    })`${[cmd, ...args]}`;
    const result = {
      code: out.exitCode ?? 1,
      stdout: out.stdout,
      stderr: out.stderr,
    };
    if (result.code !== 0 && !opts.allowFail) {
      const line = redact([cmd, ...args].join(' '), opts.secrets);
      throw new CommandError(line, {
        ...result,
        stdout: redact(result.stdout, opts.secrets),
        stderr: redact(result.stderr, opts.secrets),
      });
    }
    return result;
  },
};

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
      env: environment(spec.env),
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
