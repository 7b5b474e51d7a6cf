/**
 * `yarn uyoop <area> ...`: the platform's command line. Thin: it parses the
 * arguments and calls the engine in packages/platform (and packages/k8s for
 * the cluster's objects).
 */
import { catalogCli, runCli, usage } from '@internal/platform';

const [area, ...args] = process.argv.slice(2);

if (area === 'catalog') {
  runCli(io => catalogCli(args, io));
} else if (area === 'k8s') {
  // Loaded on demand: its Kubernetes models are large, and only `k8s` needs them.
  import('@internal/k8s').then(({ k8sCli }) => runCli(io => k8sCli(args, io)));
} else {
  console.error(
    `${usage}\n\nusage: yarn uyoop k8s <command> (yarn uyoop k8s for the list)`,
  );
  process.exit(2);
}
