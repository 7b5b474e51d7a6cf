/**
 * `tsx scripts/finops.ts <ingest|report|budget|credentials> [--json] [--csv FILE]`:
 * the FinOps command line. Thin: it parses the arguments and calls the engine
 * in plugins/uyoop-finops-node (the same one the portal's backend uses).
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { finopsCli, openCliEngine } from '@internal/plugin-uyoop-finops-node';

const io = {
  out: (l: string) => console.log(l),
  err: (l: string) => console.error(l),
  writeFile: (path: string, content: string) =>
    writeFile(path, content, 'utf8'),
};

finopsCli(process.argv.slice(2), io, {
  env: process.env,
  openEngine: options =>
    openCliEngine({
      ...options,
      logger: { info: () => undefined, warn: l => console.error(l) },
    }),
}).then(
  code => process.exit(code),
  error => {
    console.error(`finops: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
