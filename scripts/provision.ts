/**
 * `scripts/provision.ts`: plan, then converge the nodes with Ansible. Thin:
 * parses the arguments and calls the engine in packages/provision.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { runCli } from '@internal/platform';
import { provisionCli } from '@internal/provision';

runCli(io => provisionCli(process.argv.slice(2), io));
