/**
 * `npm test` (scripts/test-all.sh): set-up with progress, then the whole
 * suite; ends with `tests: N passed, N failed, N skipped`. The steps and their
 * order live in packages/ci/src/suite.ts.
 */
import { resolve } from 'node:path';
import { main } from '@internal/ci';
import { commandLineOrExit } from '@internal/platform';

commandLineOrExit(process.argv.slice(2), {}, 'usage: npm test (scripts/test-all.ts takes no options)', {
  positionals: false,
});

main(resolve(__dirname, '..')).then(
  code => process.exit(code),
  e => {
    console.error(e);
    console.log('tests: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
