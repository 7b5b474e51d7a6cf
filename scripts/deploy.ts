/**
 * `yarn deploy [--dry-run=server] [--prune] [--json] ...`: the platform
 * rendered from catalog/, diffed, applied with server-side apply and pruned.
 * Thin: the engine is packages/k8s (deploy.ts). Exit codes: 0 deployed,
 * 1 failed or a prune kept, 2 bad usage.
 */
import { loadPlatform, runCli, zxRunner } from '@internal/platform';
import { clusterPlan, deployCli, platformObjects } from '@internal/k8s';

runCli(
  io =>
    deployCli(process.argv.slice(2), io, {
      runner: zxRunner,
      objects: async () => platformObjects(clusterPlan(await loadPlatform())),
    }),
  error => `deploy: ${error instanceof Error ? error.message : error}`,
);
