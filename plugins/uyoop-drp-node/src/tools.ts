import { ServiceUnavailableError } from '@backstage/errors';
import { CommandError, ProcessRunner, RunOptions } from '@internal/platform';

/** Where the engine finds its tools and the environment they need. */
export interface DrpTools {
  kubectl: string;
  velero: string;
  restic: string;
  veleroNamespace: string;
  /** Added to every tool's environment: KUBECONFIG, AWS_*, RESTIC_PASSWORD... */
  env: Record<string, string | undefined>;
  /** Values never printed (keys, passwords). */
  secrets: string[];
}

export type Tool = 'kubectl' | 'velero' | 'restic';

/** One end of a pipe: the tool, its arguments, and what its environment adds. */
export type PipeEnd = [
  Tool,
  string[],
  { allowFail?: boolean; env?: Record<string, string | undefined> }?,
];

/** Messages of a tool that could not reach the cluster or S3 at all. */
const UNREACHABLE =
  /unable to connect to the server|was refused|connection refused|no such host|i\/o timeout|dial tcp|EHOSTUNREACH|ECONNREFUSED|ENOTFOUND|network is unreachable|the server could not find the requested resource.*velero/i;

/**
 * Runs one of the tools through the platform's process layer, and turns a
 * cluster or S3 that cannot be reached into a ServiceUnavailableError that
 * names what to check.
 */
export class ToolRunner {
  constructor(readonly runner: ProcessRunner, readonly tools: DrpTools) {}

  async run(
    tool: Tool,
    args: string[],
    opts: Omit<RunOptions, 'env' | 'secrets'> & {
      env?: Record<string, string | undefined>;
    } = {},
  ) {
    try {
      return await this.runner.run(this.tools[tool], args, {
        ...opts,
        env: { ...this.tools.env, ...opts.env },
        secrets: this.tools.secrets,
      });
    } catch (e) {
      throw this.unreachable(tool, e);
    }
  }

  /** A ServiceUnavailableError naming what to check when `e` says the tool could not connect; else `e`. */
  private unreachable(tool: Tool, e: unknown): unknown {
    const text =
      e instanceof CommandError
        ? `${e.result.stderr}\n${e.result.stdout}`
        : String((e as Error).message);
    if (UNREACHABLE.test(text) || UNREACHABLE.test((e as Error).message))
      return new ServiceUnavailableError(
        `${
          tool === 'restic' ? 'the restic repository (S3)' : 'the cluster'
        } cannot be reached: ${reason(
          text,
        )} (check KUBECONFIG, the S3 endpoint and the network)`,
      );
    return e;
  }

  /**
   * `from | to` between two tools (kubectl exec's dump into restic), streamed;
   * a cluster or S3 that cannot be reached is a ServiceUnavailableError.
   */
  async pipe(from: PipeEnd, to: PipeEnd) {
    if (!this.runner.pipe)
      throw new Error(
        'this process runner cannot pipe one command into another',
      );
    const end = ([tool, args, o = {}]: PipeEnd) => ({
      cmd: this.tools[tool],
      args,
      opts: {
        env: { ...this.tools.env, ...o.env },
        secrets: this.tools.secrets,
        allowFail: o.allowFail,
      },
    });
    try {
      return await this.runner.pipe(end(from), end(to));
    } catch (e) {
      const failed =
        e instanceof CommandError && e.command.startsWith(this.tools[to[0]])
          ? to[0]
          : from[0];
      throw this.unreachable(failed, e);
    }
  }

  async json<T>(tool: Tool, args: string[]): Promise<T> {
    const { stdout } = await this.run(tool, args);
    try {
      return JSON.parse(stdout) as T;
    } catch {
      throw new Error(
        `${tool} ${args.join(' ')} did not print JSON: ${firstLine(stdout)}`,
      );
    }
  }
}

/** The tool's own words on why: its last line that says so, without klog's prefix. */
const reason = (t: string) => {
  const lines = t
    .split('\n')
    .map(l => l.replace(/^[EWI]\d{4} [\d:.]+\s+\d+ [^\]]+\] /, '').trim())
    .filter(Boolean);
  return lines.filter(l => UNREACHABLE.test(l)).at(-1) ?? lines[0] ?? '';
};

const firstLine = (t: string) =>
  t
    .split('\n')
    .map(l => l.trim())
    .find(Boolean) ?? '';
