/**
 * `yarn uyoop <area> ...`: the platform's command line. Thin: it parses the
 * arguments and calls the engine in packages/platform (and packages/k8s for
 * the cluster's objects).
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { catalogCli, consoleIO, runCli, usage, usageFailure } from '@internal/platform';

const [area, ...args] = process.argv.slice(2);

if (area === 'catalog') {
  runCli(io => catalogCli(args, io));
} else if (area === 'k8s') {
  // Loaded on demand: its Kubernetes models are large, and only `k8s` needs them.
  import('@internal/k8s').then(({ k8sCli }) => runCli(io => k8sCli(args, io)));
} else {
  process.exit(
    usageFailure(
      consoleIO,
      area === undefined
        ? ''
        : area.startsWith('-')
        ? `Unknown option '${area}'`
        : `unknown area "${area}"`,
      `${usage}\n\nusage: yarn uyoop k8s <command>  (the cluster's objects; yarn uyoop k8s for the list)`,
    ),
  );
}
