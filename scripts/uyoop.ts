/**
 * `yarn uyoop <area> ...`: the platform's command line. Thin: it parses the
 * arguments and calls the engine in packages/platform.
 */
import { catalogCli, runCli, usage } from '@internal/platform';

const [area, ...args] = process.argv.slice(2);

if (area === 'catalog') {
  runCli(io => catalogCli(args, io));
} else {
  console.error(usage);
  process.exit(2);
}
