/**
 * `yarn testbed up | down | status [--json] | build`: the local testbed
 * (infra/testbed/README.md). Thin: the engine is packages/testbed.
 */
import { runCli } from '@internal/platform';
import { testbedCli } from '@internal/testbed';

runCli(io => testbedCli(process.argv.slice(2), io));
