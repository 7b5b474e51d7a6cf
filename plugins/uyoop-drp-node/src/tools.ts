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
    tool: 'kubectl' | 'velero' | 'restic',
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
      const text =
        e instanceof CommandError
          ? `${e.result.stderr}\n${e.result.stdout}`
          : String((e as Error).message);
      if (UNREACHABLE.test(text) || UNREACHABLE.test((e as Error).message))
        throw new ServiceUnavailableError(
          `${
            tool === 'restic' ? 'the restic repository (S3)' : 'the cluster'
          } cannot be reached: ${reason(
            text,
          )} (check KUBECONFIG, the S3 endpoint and the network)`,
        );
      throw e;
    }
  }

  async json<T>(
    tool: 'kubectl' | 'velero' | 'restic',
    args: string[],
  ): Promise<T> {
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
