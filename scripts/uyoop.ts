/**
 * `yarn uyoop <area> ...`: the platform's command line. Thin: it parses the
 * arguments and calls the engine in packages/platform.
 */
import { catalogCli, usage } from '@internal/platform';

const io = {
  out: (l: string) => console.log(l),
  err: (l: string) => console.error(l),
};
const [area, ...args] = process.argv.slice(2);

if (area === 'catalog') {
  catalogCli(args, io).then(
    code => process.exit(code),
    error => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  console.error(usage);
  process.exit(2);
}
