import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with each line of stdout and stderr as it comes. */
  onLine?: (line: string) => void;
  input?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How the engine starts processes: injectable, so plans and error paths are unit-tested. */
export interface ProcessRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** Runs real processes (argument arrays, no shell). */
export const nodeProcessRunner: ProcessRunner = {
  run(cmd, args, opts = {}) {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const lines = (chunkSink: (s: string) => void) => {
        let rest = '';
        return (chunk: Buffer) => {
          const text = chunk.toString();
          chunkSink(text);
          if (!opts.onLine) return;
          rest += text;
          const parts = rest.split('\n');
          rest = parts.pop()!;
          parts.forEach(l => opts.onLine!(l));
        };
      };
      child.stdout.on(
        'data',
        lines(s => (stdout += s)),
      );
      child.stderr.on(
        'data',
        lines(s => (stderr += s)),
      );
      child.on('error', reject);
      child.on('close', code =>
        resolvePromise({ code: code ?? 1, stdout, stderr }),
      );
      child.stdin.end(opts.input ?? '');
    });
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
