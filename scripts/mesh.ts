/**
 * `scripts/mesh.ts`: the WireGuard mesh plan from the catalog, and each peer's
 * latest handshake read on the nodes. Thin: the logic is in packages/provision.
 * Exit codes: 0 done, 1 failed (or a peer never shook hands), 2 bad usage.
 */
import { runCli } from '@internal/platform';
import { meshCli } from '@internal/provision';

runCli(io => meshCli(process.argv.slice(2), io));
