/**
 * `tsx scripts/drp.ts <preflight|inventory|drill|report|drills|check> [--json]`:
 * the DRP command line. Thin: it parses the arguments and calls the engine in
 * plugins/uyoop-drp-node (the same one the portal's backend uses), so a drill
 * runs from a terminal when the portal itself is down.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { runCli } from '@internal/platform';
import { drpCli, openCliEngine } from '@internal/plugin-uyoop-drp-node';

runCli(
  io =>
    drpCli(
      process.argv.slice(2),
      {
        ...io,
        writeFile: (path: string, content: string) =>
          writeFile(path, content, 'utf8'),
      },
      {
        actor: `cli:${userInfo().username}`,
        openEngine: options => openCliEngine(options),
      },
    ),
  error => `drp: ${error instanceof Error ? error.message : error}`,
);
