/**
 * `scripts/provision.ts`: plan, then converge the nodes with Ansible. Thin:
 * parses the arguments and calls the engine in packages/provision.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { provisionCli } from '@internal/provision';

provisionCli(process.argv.slice(2), {
  out: l => console.log(l),
  err: l => console.error(l),
}).then(
  code => process.exit(code),
  error => {
    console.error(error);
    process.exit(1);
  },
);
