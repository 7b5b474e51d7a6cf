/**
 * `yarn backend-image base | build [--skip-bundle]`: the portal backend's
 * production image, built with buildah from packages/backend/Dockerfile on a
 * Debian 12 + Node 22 base made here. Thin: the engine is packages/ci.
 */
import { resolve } from 'node:path';
import { buildBackendImage, buildBase, imageContext } from '@internal/ci';
import { commandLineOrExit } from '@internal/platform';

const usage = `usage: yarn backend-image base | build [--skip-bundle]
  base           the base image (Debian 12 + Node 22), cached by version
  build          the base, the backend bundle, then the image
  --skip-bundle  use packages/backend/dist as it is (no yarn build:backend)`;

async function main(argv: string[]): Promise<number> {
  const parsed = commandLineOrExit(
    argv,
    { 'skip-bundle': { type: 'boolean' } },
    usage,
  );
  const [command, ...rest] = parsed.positionals;
  if (!['base', 'build'].includes(command) || rest.length > 0) {
    console.error(usage);
    return 2;
  }
  const c = imageContext(resolve(__dirname, '..'));
  const t0 = Date.now();
  const image =
    command === 'base'
      ? await buildBase(c)
      : await buildBackendImage(c, {
          skipBundle: parsed.values['skip-bundle'],
        });
  console.log(`${image} (${Math.round((Date.now() - t0) / 1000)} s)`);
  return 0;
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    console.error((e as Error).message);
    process.exit(1);
  },
);
