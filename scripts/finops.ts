/**
 * `tsx scripts/finops.ts <ingest|report|budget|credentials> [--json] [--csv FILE]`:
 * the FinOps command line. Thin: it parses the arguments and calls the engine
 * in plugins/uyoop-finops-node (the same one the portal's backend uses).
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { runCli } from '@internal/platform';
import { finopsCli, openCliEngine } from '@internal/plugin-uyoop-finops-node';

runCli(
  io =>
    finopsCli(
      process.argv.slice(2),
      {
        ...io,
        writeFile: (path: string, content: string) =>
          writeFile(path, content, 'utf8'),
      },
      {
        env: process.env,
        openEngine: options =>
          openCliEngine({
            ...options,
            logger: { info: () => undefined, warn: l => console.error(l) },
          }),
      },
    ),
  error => `finops: ${error instanceof Error ? error.message : error}`,
);
