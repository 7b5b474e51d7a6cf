/**
 * `yarn uyoop <area> ...`: the platform's command line. Thin: it parses the
 * arguments and calls the engine in packages/platform.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { catalogCli, consoleIO, runCli, usage, usageFailure } from '@internal/platform';

const [area, ...args] = process.argv.slice(2);

if (area === 'catalog') {
  runCli(io => catalogCli(args, io));
} else {
  process.exit(
    usageFailure(
      consoleIO,
      area === undefined
        ? ''
        : area.startsWith('-')
        ? `Unknown option '${area}'`
        : `unknown area "${area}"`,
      usage,
    ),
  );
}
