/**
 * A small image builder: no registry is reachable, so each image the nodes
 * run is assembled here from Debian's busybox-static and the testbed's own
 * builds, packed with umoci (Debian) into an OCI archive, and cached by
 * content: the key hashes the recipe and every file that goes in.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { binDir } from './builds';
import { TestbedContext } from './context';

export interface ImageRecipe {
  /** Repository under uyoop.local/ */
  name: string;
  tag: string;
  /** Files copied in: destination path in the image -> source file on this machine. */
  files: Record<string, string>;
  /** Include busybox and its applets in /bin (a shell, nc, httpd...). */
  busybox: boolean;
  entrypoint: string[];
  cmd?: string[];
  env?: string[];
  /** Extra text files: destination -> content. */
  texts?: Record<string, string>;
}

const BUSYBOX = '/bin/busybox';
/** Bumped when the way images are assembled changes (part of every key). */
const BUILDER_VERSION = 'v1';

/** A pause process that exits on TERM (the sandbox's PID 1). */
const pauseScript = `#!/bin/sh
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
`;

export function imageRecipes(ctx: TestbedContext): ImageRecipe[] {
  const v = ctx.versions;
  const bin = (component: string, file: string) =>
    join(binDir(ctx, component), file);
  return [
    {
      name: 'pause',
      tag: BUILDER_VERSION,
      files: {},
      texts: { '/pause': pauseScript },
      busybox: true,
      entrypoint: ['/pause'],
    },
    {
      // Tests, the demo HTTP service (busybox httpd) and local-path's helper pods.
      name: 'busybox',
      tag: BUILDER_VERSION,
      files: {},
      busybox: true,
      entrypoint: [],
      cmd: ['/bin/sh'],
    },
    {
      name: 'coredns',
      tag: v.COREDNS_VERSION,
      files: { '/coredns': bin('coredns', 'coredns') },
      busybox: false,
      entrypoint: ['/coredns'],
    },
    {
      name: 'local-path-provisioner',
      tag: v.LOCAL_PATH_PROVISIONER_VERSION,
      files: {
        '/usr/bin/local-path-provisioner': bin(
          'local-path-provisioner',
          'local-path-provisioner',
        ),
      },
      busybox: true,
      entrypoint: ['/usr/bin/local-path-provisioner'],
    },
    {
      name: 'velero',
      tag: v.VELERO_VERSION,
      files: {
        '/velero': bin('velero', 'velero'),
        '/velero-restore-helper': bin(
          'velero-restore-helper',
          'velero-restore-helper',
        ),
      },
      busybox: true,
      entrypoint: ['/velero'],
    },
  ];
}

export const imageRef = (ctx: TestbedContext, name: string) => {
  const r = imageRecipes(ctx).find(x => x.name === name);
  if (!r) throw new Error(`no testbed image ${name}`);
  return `uyoop.local/${r.name}:${r.tag}`;
};

const sha256 = (data: string | Buffer) =>
  createHash('sha256').update(data).digest('hex');

/** The content key: the recipe and the bytes of every file that goes in. */
export function imageKey(recipe: ImageRecipe): string {
  const parts = [BUILDER_VERSION, JSON.stringify(recipe)];
  const sources = [
    ...(recipe.busybox ? [BUSYBOX] : []),
    ...Object.values(recipe.files),
  ];
  for (const f of sources) parts.push(sha256(readFileSync(f)));
  return sha256(parts.join('\n')).slice(0, 16);
}

export const imagesDir = (ctx: TestbedContext) => join(ctx.cache, 'images');

export interface BuiltImage {
  ref: string;
  /** OCI archive, for `ctr images import --base-name`. */
  archive: string;
  baseName: string;
}

async function assemble(ctx: TestbedContext, recipe: ImageRecipe, work: string) {
  const rootfs = join(work, 'bundle', 'rootfs');
  for (const d of ['bin', 'tmp', 'etc', 'usr/bin', 'var/run'])
    mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  if (recipe.busybox) {
    copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const applets = (await ctx.run.run(BUSYBOX, ['--list'])).stdout
      .split('\n')
      .filter(a => a && a !== 'busybox');
    for (const a of applets)
      if (!existsSync(join(rootfs, 'bin', a))) symlinkSync('busybox', join(rootfs, 'bin', a));
  }
  for (const [dest, src] of Object.entries(recipe.files)) {
    mkdirSync(join(rootfs, dest, '..'), { recursive: true });
    copyFileSync(src, join(rootfs, dest));
    chmodSync(join(rootfs, dest), 0o755);
  }
  for (const [dest, text] of Object.entries(recipe.texts ?? {})) {
    mkdirSync(join(rootfs, dest, '..'), { recursive: true });
    writeFileSync(join(rootfs, dest), text, { mode: 0o755 });
  }
}

/** Builds one image unless its archive for this content key exists. */
export async function buildImage(
  ctx: TestbedContext,
  recipe: ImageRecipe,
): Promise<BuiltImage> {
  const baseName = `uyoop.local/${recipe.name}`;
  const archive = join(imagesDir(ctx), `${recipe.name}-${imageKey(recipe)}.tar`);
  const built = { ref: `${baseName}:${recipe.tag}`, archive, baseName };
  if (existsSync(archive)) return built;
  const work = `${archive}.work`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const layout = join(work, 'oci');
  const image = `${layout}:${recipe.tag}`;
  const umoci = (args: string[]) => ctx.run.run('umoci', args, { cwd: work });
  await umoci(['init', '--layout', layout]);
  await umoci(['new', '--image', image]);
  await umoci(['unpack', '--image', image, join(work, 'bundle')]);
  await assemble(ctx, recipe, work);
  await umoci(['repack', '--image', image, join(work, 'bundle')]);
  await umoci([
    'config', '--image', image,
    '--config.workingdir', '/',
    '--config.user', '0:0',
    ...recipe.entrypoint.flatMap(e => ['--config.entrypoint', e]),
    ...(recipe.cmd ?? []).flatMap(c => ['--config.cmd', c]),
    ...['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...(recipe.env ?? [])].flatMap(e => ['--config.env', e]),
  ]);
  await umoci(['gc', '--layout', layout]);
  await ctx.run.run('tar', ['-C', layout, '-cf', `${archive}.partial`, '.']);
  renameSync(`${archive}.partial`, archive);
  rmSync(work, { recursive: true, force: true });
  // Archives of this image's earlier contents are dead weight.
  for (const f of readdirSync(imagesDir(ctx)))
    if (f.startsWith(`${recipe.name}-`) && f.endsWith('.tar') && join(imagesDir(ctx), f) !== archive)
      rmSync(join(imagesDir(ctx), f), { force: true });
  ctx.log.step(`image ${built.ref} built (${archive})`);
  return built;
}

export async function buildImages(ctx: TestbedContext): Promise<BuiltImage[]> {
  mkdirSync(imagesDir(ctx), { recursive: true });
  const out: BuiltImage[] = [];
  for (const r of imageRecipes(ctx)) out.push(await buildImage(ctx, r));
  return out;
}
