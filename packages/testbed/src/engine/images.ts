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
  lstatSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
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
  /** Folders copied whole, at the same path (their files keep their mode). */
  trees?: string[];
  /** Path fragments left out of the trees (documentation, JIT bitcode...). */
  treesSkip?: string[];
  /** Also copy every shared library the ELF files in the image load (ldd). */
  withLibraries?: boolean;
  /** Extra users: passwd lines (name:x:uid:gid::home:shell); each gets a group of its gid. */
  users?: string[];
  /** uid:gid the image runs as; root when unset. */
  user?: string;
}

const BUSYBOX = '/bin/busybox';
/** Bumped when the way images are assembled changes (part of every key). */
const BUILDER_VERSION = 'v1';

/** A pause process that exits on TERM (the sandbox's PID 1). */
const pauseScript = `#!/bin/sh
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
`;

/**
 * The PostgreSQL stand-in's start: a first start on an empty volume runs
 * initdb with POSTGRES_PASSWORD as the superuser's password (scram-sha-256
 * over TCP, trust only on the pod's own socket), creates POSTGRES_DB, then
 * every start runs the server in the foreground.
 */
const postgresEntrypoint = (bin: string) => `#!/bin/sh
set -eu
: "\${PGDATA:=/var/lib/postgresql/data/pgdata}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD must be set to initialise $PGDATA" >&2
    exit 1
  fi
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  ${bin}/initdb -D "$PGDATA" -U "\${POSTGRES_USER:-postgres}" --pwfile="$pwfile" \\
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ -n "\${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\";" | ${bin}/postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
# A restored or remounted volume may come back with wider modes; the server wants 0700.
chmod 700 "$PGDATA"
exec ${bin}/postgres -D "$PGDATA" -k /tmp
`;

/** The uid (and gid) of distroless images' nonroot user, which the Go tools' images run as. */
export const NON_ROOT_UID = 65532;
const NON_ROOT = `${NON_ROOT_UID}:${NON_ROOT_UID}`;

export function imageRecipes(ctx: TestbedContext): ImageRecipe[] {
  const v = ctx.versions;
  const pg = `/usr/lib/postgresql/${v.POSTGRESQL_MAJOR}`;
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
    {
      // K3s's bundled ingress controller, as the testbed runs it (addons.ts).
      name: 'traefik',
      tag: v.TRAEFIK_VERSION,
      files: { '/usr/local/bin/traefik': bin('traefik', 'traefik') },
      busybox: false,
      entrypoint: ['/usr/local/bin/traefik'],
      user: NON_ROOT,
    },
    {
      name: 'cert-manager-controller',
      tag: v.CERT_MANAGER_VERSION,
      files: { '/app/cmd/controller/controller': bin('cert-manager', 'controller') },
      busybox: false,
      entrypoint: ['/app/cmd/controller/controller'],
      user: NON_ROOT,
    },
    {
      // What the controller starts to answer an HTTP-01 challenge.
      name: 'cert-manager-acmesolver',
      tag: v.CERT_MANAGER_VERSION,
      files: { '/app/cmd/acmesolver/acmesolver': bin('cert-manager', 'acmesolver') },
      busybox: false,
      entrypoint: ['/app/cmd/acmesolver/acmesolver'],
      user: NON_ROOT,
    },
    {
      name: 'pebble',
      tag: v.PEBBLE_VERSION,
      files: { '/usr/local/bin/pebble': bin('pebble', 'pebble') },
      busybox: false,
      entrypoint: ['/usr/local/bin/pebble'],
      user: NON_ROOT,
    },
    {
      // The catalog's PostgreSQL databases: Debian's server, the one the
      // nodes' Debian 12 ships, with the libraries it loads.
      name: 'postgres',
      tag: v.POSTGRESQL_MAJOR,
      files: {
        '/usr/share/zoneinfo/UTC': '/usr/share/zoneinfo/Etc/UTC',
        '/usr/share/zoneinfo/Etc/UTC': '/usr/share/zoneinfo/Etc/UTC',
      },
      trees: [pg, `/usr/share/postgresql/${v.POSTGRESQL_MAJOR}`],
      treesSkip: ['/man/', '/bitcode/', 'llvmjit'],
      withLibraries: true,
      users: ['postgres:x:999:999::/var/lib/postgresql:/bin/sh'],
      texts: { '/usr/local/bin/docker-entrypoint.sh': postgresEntrypoint(`${pg}/bin`) },
      busybox: true,
      entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
      env: [`PATH=${pg}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, 'TZ=UTC', 'PGDATA=/var/lib/postgresql/data/pgdata'],
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

const isElf = (file: string) => {
  const head = readFileSync(file).subarray(0, 4);
  return head.length === 4 && head.toString('latin1') === '\x7fELF';
};

function walk(dir: string, skip: string[], out: string[]) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (skip.some(s => path.includes(s))) continue;
    const st = lstatSync(path);
    if (st.isDirectory()) walk(path, skip, out);
    else if (st.isFile() || (st.isSymbolicLink() && existsSync(path))) out.push(path);
  }
  return out;
}

/**
 * Every file that goes into the image, destination -> source: the recipe's
 * files, its trees expanded, and, with `withLibraries`, the shared libraries
 * its ELF files load (one ldd call for all of them).
 */
export async function resolveFiles(
  ctx: TestbedContext,
  recipe: ImageRecipe,
): Promise<Record<string, string>> {
  const files: Record<string, string> = { ...recipe.files };
  for (const tree of recipe.trees ?? []) {
    if (!existsSync(tree)) throw new Error(`image ${recipe.name}: ${tree} is missing on this machine (install its package)`);
    for (const f of walk(tree, recipe.treesSkip ?? [], [])) files[f] = f;
  }
  if (recipe.withLibraries) {
    const elves = [...new Set(Object.values(files))].filter(isElf);
    const { stdout } = await ctx.run.run('ldd', elves, { allowFail: true });
    for (const line of stdout.split('\n')) {
      const lib = / => (\/\S+) \(/.exec(line)?.[1] ?? /^\s*(\/\S+) \(/.exec(line)?.[1];
      if (lib) files[lib] = lib;
    }
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** The content key: the recipe, where each file goes, and the bytes of each. */
export function imageKey(recipe: ImageRecipe, files: Record<string, string>): string {
  const parts = [BUILDER_VERSION, JSON.stringify(recipe), JSON.stringify(files)];
  for (const f of [...(recipe.busybox ? [BUSYBOX] : []), ...Object.values(files)])
    parts.push(sha256(readFileSync(f)));
  return sha256(parts.join('\n')).slice(0, 16);
}

export const imagesDir = (ctx: TestbedContext) => join(ctx.cache, 'images');

export interface BuiltImage {
  ref: string;
  /** OCI archive, for `ctr images import --base-name`. */
  archive: string;
  baseName: string;
}

async function assemble(
  ctx: TestbedContext,
  recipe: ImageRecipe,
  files: Record<string, string>,
  work: string,
) {
  const rootfs = join(work, 'bundle', 'rootfs');
  for (const d of ['bin', 'tmp', 'etc', 'usr/bin', 'var/run'])
    mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  const users = recipe.users ?? [];
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/:/bin/false', ...users, ''].join('\n'),
  );
  writeFileSync(
    join(rootfs, 'etc/group'),
    ['root:x:0:', 'nogroup:x:65534:', ...users.map(u => { const [name, , , gid] = u.split(':'); return `${name}:x:${gid}:`; }), ''].join('\n'),
  );
  for (const u of users) {
    const [, , uid, gid, , home] = u.split(':');
    mkdirSync(join(rootfs, home), { recursive: true });
    await ctx.run.run('chown', [`${uid}:${gid}`, join(rootfs, home)]);
  }
  if (recipe.busybox) {
    copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const applets = (await ctx.run.run(BUSYBOX, ['--list'])).stdout
      .split('\n')
      .filter(a => a && a !== 'busybox');
    for (const a of applets)
      if (!existsSync(join(rootfs, 'bin', a))) symlinkSync('busybox', join(rootfs, 'bin', a));
  }
  for (const [dest, src] of Object.entries(files)) {
    mkdirSync(join(rootfs, dest, '..'), { recursive: true });
    copyFileSync(src, join(rootfs, dest));
    chmodSync(join(rootfs, dest), recipe.files[dest] ? 0o755 : statSync(src).mode & 0o777);
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
  const files = await resolveFiles(ctx, recipe);
  const archive = join(imagesDir(ctx), `${recipe.name}-${imageKey(recipe, files)}.tar`);
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
  await assemble(ctx, recipe, files, work);
  await umoci(['repack', '--image', image, join(work, 'bundle')]);
  await umoci([
    'config', '--image', image,
    '--config.workingdir', '/',
    '--config.user', recipe.user ?? '0:0',
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
