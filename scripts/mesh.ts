/**
 * `scripts/mesh.ts`: the WireGuard mesh plan from the catalog, and each peer's
 * latest handshake read on the nodes. Thin: the logic is in packages/provision.
 * Exit codes: 0 done, 1 failed (or a peer never shook hands), 2 bad usage.
 */
import { meshCli } from '@internal/provision';

meshCli(process.argv.slice(2), {
  out: l => console.log(l),
  err: l => console.error(l),
}).then(
  code => process.exit(code),
  error => {
    console.error(error);
    process.exit(1);
  },
);
