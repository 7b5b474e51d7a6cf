/**
 * The portal backend's production image (packages/backend/Dockerfile), built
 * with buildah (chroot isolation, no daemon) on a base made here: Debian 12
 * from debootstrap plus the pinned Node 22 the repository already fetches.
 * Heavy results are cached outside the repository and keyed by version: the
 * base's root filesystem tarball, the base image, and buildah's layers.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { $ } from 'zx';

export interface ImageContext {
  repoRoot: string;
  /** ${UYOOP_CACHE:-~/.cache/uyoop} */
  cache: string;
  nodeVersion: string;
  print: (line: string) => void;
}

/** Extra packages of the base, beyond Debian's minbase. */
export const BASE_PACKAGES = ['ca-certificates', 'tini'];

export function imageContext(
  repoRoot: string,
  print: (line: string) => void = l => console.error(l),
): ImageContext {
  const versions = readFileSync(join(repoRoot, 'infra/versions.env'), 'utf8');
  const nodeVersion = /^NODE_VERSION=(\S+)/m.exec(versions)?.[1];
  if (!nodeVersion)
    throw new Error('NODE_VERSION missing in infra/versions.env');
  return {
    repoRoot,
    cache: process.env.UYOOP_CACHE ?? join(homedir(), '.cache/uyoop'),
    nodeVersion,
    print,
  };
}

export const baseImageName = (c: ImageContext) =>
  `localhost/uyoop/node:${c.nodeVersion}-bookworm`;
export const backendImageName = 'localhost/uyoop/backend:latest';

/** What the base is made of: when it changes, the base is rebuilt. */
export function baseKey(c: ImageContext): string {
  return createHash('sha256')
    .update(['v1', 'bookworm', c.nodeVersion, ...BASE_PACKAGES].join('\n'))
    .digest('hex')
    .slice(0, 12);
}

const q = { quiet: true, verbose: false } as const;

const tailOf = (file: string, lines = 20) =>
  readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');

async function imageLabel(image: string, label: string) {
  const out = await $({
    ...q,
    nothrow: true,
  })`buildah inspect --type image --format ${`{{index .OCIv1.Config.Labels "${label}"}}`} ${image}`;
  return out.exitCode === 0 ? out.stdout.trim() : undefined;
}

/** The apt source that serves bookworm on this machine: no mirror is written in the repo. */
async function bookwormMirror(): Promise<string> {
  const out = await $(
    q,
  )`apt-get indextargets --format ${'$(REPO_URI) $(RELEASE)'}`;
  const line = out.stdout
    .split('\n')
    .map(l => l.split(' '))
    .find(([, release]) => release === 'bookworm');
  if (!line) throw new Error('no apt source serves bookworm on this machine');
  return line[0];
}

/**
 * `yarn backend-image base`: the base image, from a cached root filesystem
 * tarball (debootstrap, about 3 min cold). Nothing happens when the base
 * image with this key exists.
 */
export async function buildBase(c: ImageContext): Promise<string> {
  const name = baseImageName(c);
  const key = baseKey(c);
  if ((await imageLabel(name, 'fr.uyoop.base-key')) === key) {
    c.print(`base image ${name} is ready (cached, key ${key})`);
    return name;
  }
  const dir = join(c.cache, 'backend-image');
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `rootfs-bookworm-node-${c.nodeVersion}-${key}.tar`);
  if (!existsSync(tarball)) {
    const node = join(c.cache, `node-${c.nodeVersion}`);
    if (!existsSync(join(node, 'bin/node')))
      throw new Error(
        `Node ${c.nodeVersion} is not in ${node}: run scripts/run.sh (npm test or npm start) once`,
      );
    const rootfs = join(dir, `rootfs-${key}.partial`);
    rmSync(rootfs, { recursive: true, force: true });
    const log = join(dir, 'debootstrap.log');
    c.print(`debootstrap bookworm into ${rootfs} (about 3 min, log ${log})`);
    const fd = openSync(log, 'w');
    const boot = await $({
      ...q,
      nothrow: true,
      stdio: ['ignore', fd, fd],
    })`debootstrap --variant=minbase --include=${BASE_PACKAGES.join(
      ',',
    )} bookworm ${rootfs} ${await bookwormMirror()}`.finally(() =>
      closeSync(fd),
    );
    if (boot.exitCode !== 0)
      throw new Error(
        `debootstrap failed (exit ${boot.exitCode}), see ${log}:\n${tailOf(
          log,
        )}`,
      );
    // Node from the tarball the repository fetches (binary and headers).
    for (const sub of ['bin', 'include', 'lib', 'share'])
      if (existsSync(join(node, sub)))
        await $(q)`cp -a ${join(node, sub)}/. ${join(
          rootfs,
          'usr/local',
          sub,
        )}/`;
    await $(
      q,
    )`chroot ${rootfs} useradd --uid 1000 --user-group --create-home --shell /bin/bash node`;
    await $(q)`chroot ${rootfs} apt-get clean`;
    await $(q)`rm -rf ${join(rootfs, 'var/lib/apt/lists')} ${join(
      rootfs,
      'var/cache/apt/archives',
    )}`;
    await $(q)`mkdir -p ${join(rootfs, 'var/lib/apt/lists/partial')}`;
    await $(q)`tar -C ${rootfs} --numeric-owner -cf ${tarball}.partial .`;
    renameSync(`${tarball}.partial`, tarball);
    rmSync(rootfs, { recursive: true, force: true });
  }
  c.print(`importing ${tarball} as ${name}`);
  const containerfile = join(dir, 'Containerfile.base');
  writeFileSync(
    containerfile,
    [
      'FROM scratch',
      `ADD ${tarball.split('/').pop()} /`,
      `LABEL fr.uyoop.base-key=${key}`,
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENTRYPOINT ["/usr/bin/tini", "--"]',
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  await $(
    q,
  )`buildah bud --isolation chroot --quiet -f ${containerfile} -t ${name} ${dir}`;
  return name;
}

export interface BuildOptions {
  /** Skip `yarn build:backend` (the bundle in packages/backend/dist is current). */
  skipBundle?: boolean;
  /** Output of yarn and buildah. */
  log?: string;
}

/**
 * `yarn backend-image build`: the base (cached), the backend bundle, then the
 * image from packages/backend/Dockerfile. buildah keeps each layer (--layers),
 * so a rebuild with the same dependencies reuses the installed node_modules.
 */
export async function buildBackendImage(
  c: ImageContext,
  options: BuildOptions = {},
): Promise<string> {
  const base = await buildBase(c);
  const run = $({
    cwd: c.repoRoot,
    nothrow: true,
    verbose: false,
    quiet: options.log !== undefined,
  });
  const check = (
    step: string,
    out: { exitCode: number | null; stdout: string; stderr: string },
  ) => {
    if (options.log)
      appendFileSync(options.log, `--- ${step}\n${out.stdout}${out.stderr}`);
    if (out.exitCode !== 0)
      throw new Error(
        `${step} failed (exit ${out.exitCode})${
          options.log ? `, see ${options.log}` : ''
        }:\n${(out.stderr || out.stdout)
          .trim()
          .split('\n')
          .slice(-20)
          .join('\n')}`,
      );
  };
  if (!options.skipBundle) {
    c.print('building the backend bundle (yarn build:backend)');
    const yarn = join(c.repoRoot, '.yarn/releases/yarn-4.13.0.cjs');
    // A production build whoever calls it (a test runner sets NODE_ENV=test,
    // which the frontend's browserslist has no entry for).
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
    check(
      'yarn build:backend',
      await run({ env })`${process.execPath} ${yarn} build:backend`,
    );
  }
  const registry = (
    await $({ ...q, nothrow: true })`npm config get registry`
  ).stdout.trim();
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const secret =
    ca && existsSync(ca) ? ['--secret', `id=ca-bundle,src=${ca}`] : [];
  c.print(`building ${backendImageName} from packages/backend/Dockerfile`);
  check(
    'buildah bud',
    await run`buildah bud --isolation chroot --layers --build-arg ${`BASE_IMAGE=${base}`} --build-arg ${`NPM_REGISTRY=${
      registry || 'https://registry.npmjs.org/'
    }`} ${secret} -f packages/backend/Dockerfile -t ${backendImageName} .`,
  );
  return backendImageName;
}
