/**
 * The one argument parser of every command line (scripts/*.ts and the
 * engines' CLIs): node:util's parseArgs, strict, so an unknown or misspelled
 * option is an error with the usage and exit code 2, never silently ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIO } from './cli';

/** Bad usage: the message is printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options`: unknown options, a missing option value or
 * a value given to a flag throw a UsageError naming them.
 */
export function parseCommandLine<O extends Options>(
  argv: string[],
  options: O,
  { positionals = true }: { positionals?: boolean } = {},
) {
  try {
    return parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: positionals,
    });
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(
        (e as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, ''),
      );
    throw e;
  }
}

/** Whether `e` is bad usage: a UsageError, or one of parseArgs's own errors. */
export function isUsageError(e: unknown): boolean {
  return (
    e instanceof UsageError ||
    (e as { name?: string } | undefined)?.name === 'UsageError' ||
    !!(e as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS')
  );
}

/** Prints the error and the usage on stderr; returns the exit code 2. */
export function usageFailure(io: CliIO, error: unknown, usage: string): 2 {
  const message = error instanceof Error ? error.message : String(error ?? '');
  io.err(message ? `${message}\n\n${usage}` : usage);
  return 2;
}

/**
 * For a script's top level: the parsed command line, or the error and the
 * usage on stderr and exit 2.
 */
export function commandLineOrExit<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  config: { positionals?: boolean } = {},
) {
  try {
    return parseCommandLine(argv, options, config);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    usageFailure({ out: console.log, err: console.error }, e, usage);
    return process.exit(2);
  }
}

/**
 * A whole-number option for a script's top level: its value, the default
 * when absent, or the error and the usage on stderr and exit 2.
 */
export function countOptionOrExit(
  name: string,
  value: string | undefined,
  def: number,
  usage: string,
): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  usageFailure(
    { out: console.log, err: console.error },
    `--${name} must be a positive whole number, got "${value}"`,
    usage,
  );
  return process.exit(2);
}
