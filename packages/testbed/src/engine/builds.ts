/**
 * The testbed's Go-built tools, from the Go module proxy, cached outside the
 * repo by component and version:
 *   <cache>/<component>-<version>/bin/...   binaries
 *   <cache>/<component>-<version>/build.log the build's output
 *   <cache>/<component>-<version>/.built    written last: a build is reused only when complete
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { CommandError } from '@internal/platform';
import { TestbedContext } from './context';

export interface GoBuild {
  component: string;
  version: string;
  /**
   * install: `go install pkg@version` (modules without replace directives);
   * wrapped: a generated module that requires the module and copies its
   *   replace directives (k8s.io/kubernetes maps its staging modules locally);
   * source: `go build` inside the module's own source tree, so that its own
   *   go.mod and go.sum apply.
   */
  how: 'install' | 'wrapped' | 'source';
  module: string;
  /** Packages to build: full import paths. */
  packages: string[];
  ldflags?: string;
  /** wrapped: the published version that replaces each local (./staging) replace. */
  localReplaceVersion?: string;
  /** wrapped: an extra requirement, e.g. a patch release the proxy serves when the pinned one is refused. */
  extraRequire?: string;
  /**
   * source: blank imports left out of one file of a copy of the module, for
   * optional parts whose dependencies the proxy does not serve.
   */
  dropImports?: { file: string; imports: string[] };
  /** Statically linked (CGO_ENABLED=0): it runs in an image without a C library. */
  static?: boolean;
  /**
   * wrapped: a folder of this repository holding main packages that use the
   * module as a library, copied into the wrapper module (packages are then
   * relative, `./name`). Their content is part of the cache key.
   */
  mainSources?: string;
}

/** What K3s bundles, and the testbed's own tools, at the versions of infra/versions.env. */
export function goBuilds(v: Record<string, string>): GoBuild[] {
  const k8s = v.KUBERNETES_VERSION;
  const minor = k8s.replace(/^v1\.(\d+)\..*$/, '$1');
  const staging = `v0.${k8s.slice(3)}`;
  const k8sVersion = [
    `-X k8s.io/component-base/version.gitVersion=${k8s}`,
    '-X k8s.io/component-base/version.gitMajor=1',
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
    `-X k8s.io/client-go/pkg/version.gitVersion=${k8s}`,
    '-X k8s.io/client-go/pkg/version.gitMajor=1',
    `-X k8s.io/client-go/pkg/version.gitMinor=${minor}`,
  ].join(' ');
  const kubernetes = (component: string, cmds: string[]): GoBuild => ({
    component,
    version: k8s,
    how: 'wrapped',
    module: 'k8s.io/kubernetes',
    packages: cmds.map(c => `k8s.io/kubernetes/cmd/${c}`),
    ldflags: k8sVersion,
    localReplaceVersion: staging,
  });
  const cni = v.CNI_PLUGINS_VERSION;
  const velero = {
    how: 'wrapped' as const,
    module: 'github.com/vmware-tanzu/velero',
    version: v.VELERO_VERSION,
    ldflags: `-X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=${v.VELERO_VERSION}`,
    // v1.18.3 pins k8s.io/cli-runtime v0.33.12, which the Go module proxy
    // refuses; the next patch release is served.
    extraRequire: 'k8s.io/cli-runtime v0.33.13',
  };
  return [
    kubernetes('kubernetes', [
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kubectl',
    ]),
    kubernetes('kubernetes-node', ['kubelet', 'kube-proxy']),
    {
      component: 'kine',
      version: v.KINE_VERSION,
      how: 'install',
      module: 'github.com/k3s-io/kine',
      packages: ['github.com/k3s-io/kine'],
    },
    {
      ...velero,
      component: 'velero',
      static: true,
      packages: ['github.com/vmware-tanzu/velero/cmd/velero'],
    },
    {
      // The init container that a file-system restore adds to restored pods.
      ...velero,
      component: 'velero-restore-helper',
      static: true,
      packages: ['github.com/vmware-tanzu/velero/cmd/velero-restore-helper'],
    },
    {
      component: 'velero-plugin-for-aws',
      version: v.VELERO_PLUGIN_AWS_VERSION,
      how: 'install',
      module: 'github.com/vmware-tanzu/velero-plugin-for-aws',
      packages: [
        'github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws',
      ],
    },
    {
      component: 'helm',
      version: v.HELM_VERSION,
      how: 'install',
      module: 'helm.sh/helm/v3',
      packages: ['helm.sh/helm/v3/cmd/helm'],
      ldflags: `-X helm.sh/helm/v3/internal/version.version=${v.HELM_VERSION}`,
    },
    {
      component: 'cni-plugins',
      version: cni,
      how: 'install',
      module: 'github.com/containernetworking/plugins',
      packages: [
        'plugins/main/bridge',
        'plugins/ipam/host-local',
        'plugins/main/loopback',
        'plugins/meta/portmap',
      ].map(p => `github.com/containernetworking/plugins/${p}`),
    },
    {
      // The flannel CNI plugin lived in containernetworking/plugins until
      // v0.9.1; its later home (flannel-io/cni-plugin) is not served here.
      component: 'cni-flannel',
      version: v.CNI_FLANNEL_VERSION,
      how: 'install',
      module: 'github.com/containernetworking/plugins',
      packages: ['github.com/containernetworking/plugins/plugins/meta/flannel'],
    },
    {
      component: 'flannel',
      version: v.FLANNEL_VERSION,
      how: 'source',
      module: 'github.com/flannel-io/flannel',
      packages: ['.'],
      // The Tencent Cloud VPC backend's SDK is not served by the Go module
      // proxy; K3s leaves that backend out of its embedded flannel too.
      dropImports: {
        file: 'main.go',
        imports: ['github.com/flannel-io/flannel/pkg/backend/tencentvpc'],
      },
      ldflags: `-X github.com/flannel-io/flannel/pkg/version.Version=${v.FLANNEL_VERSION}`,
    },
    {
      component: 'kube-router',
      version: v.KUBE_ROUTER_VERSION,
      how: 'source',
      module: 'github.com/cloudnativelabs/kube-router/v2',
      packages: ['./cmd/kube-router'],
      ldflags: `-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${v.KUBE_ROUTER_VERSION}`,
    },
    {
      component: 'coredns',
      static: true,
      version: v.COREDNS_VERSION,
      how: 'install',
      module: 'github.com/coredns/coredns',
      packages: ['github.com/coredns/coredns'],
    },
    {
      // Built in its own source tree: v3.6 replaces modules by forks.
      component: 'traefik',
      static: true,
      version: v.TRAEFIK_VERSION,
      how: 'source',
      module: 'github.com/traefik/traefik/v3',
      packages: ['./cmd/traefik'],
      ldflags: `-X github.com/traefik/traefik/v3/pkg/version.Version=${v.TRAEFIK_VERSION}`,
    },
    {
      // cert-manager's commands are Go modules of their own that the proxy
      // does not serve: infra/testbed/cert-manager holds two small mains on
      // the library (the controllers, and the HTTP-01 solver).
      component: 'cert-manager',
      static: true,
      version: v.CERT_MANAGER_VERSION,
      how: 'wrapped',
      module: 'github.com/cert-manager/cert-manager',
      mainSources: 'infra/testbed/cert-manager',
      packages: ['./controller', './acmesolver'],
    },
    {
      component: 'pebble',
      static: true,
      version: v.PEBBLE_VERSION,
      how: 'install',
      module: 'github.com/letsencrypt/pebble/v2',
      packages: ['github.com/letsencrypt/pebble/v2/cmd/pebble'],
    },
    {
      component: 'local-path-provisioner',
      static: true,
      version: v.LOCAL_PATH_PROVISIONER_VERSION,
      how: 'install',
      module: 'github.com/rancher/local-path-provisioner',
      packages: ['github.com/rancher/local-path-provisioner'],
    },
  ];
}

/** Hash of the files of a `mainSources` folder (sorted paths and contents). */
function sourcesKey(ctx: TestbedContext, folder: string): string {
  const root = join(ctx.repoRoot, folder);
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else hash.update(`${relative(root, full)}\0`).update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 12);
}

/** The build's cache folder: component and version, plus the sources' key for own mains. */
export const componentDir = (ctx: TestbedContext, b: GoBuild) =>
  join(
    ctx.cache,
    `${b.component}-${b.version}${b.mainSources ? `-${sourcesKey(ctx, b.mainSources)}` : ''}`,
  );

export function binDir(ctx: TestbedContext, component: string): string {
  const b = goBuilds(ctx.versions).find(x => x.component === component);
  if (!b) throw new Error(`unknown testbed component ${component}`);
  return join(componentDir(ctx, b), 'bin');
}

export const isBuilt = (ctx: TestbedContext, b: GoBuild) =>
  existsSync(join(componentDir(ctx, b), '.built'));

const goEnv = (b: GoBuild, gobin?: string) => ({
  GOFLAGS: '-trimpath -buildvcs=false',
  ...(gobin ? { GOBIN: gobin } : {}),
  ...(b.static ? { CGO_ENABLED: '0' } : {}),
  PATH: `${process.env.PATH}:/usr/local/go/bin`,
});

/**
 * The wrapper module of a `wrapped` build: requires the module and carries
 * over its replace directives, local ones mapped to the published modules.
 */
export function wrapperGoMod(b: GoBuild, moduleGoMod: string): string {
  const goLine = moduleGoMod.match(/^go .*$/m)?.[0] ?? 'go 1.22';
  const godebug = moduleGoMod.match(/^godebug .*$/gm) ?? [];
  const replaces: string[] = [];
  const block = moduleGoMod.match(/^replace \(\n([\s\S]*?)^\)/m);
  const lines = [
    ...(block ? block[1].split('\n') : []),
    ...(moduleGoMod.match(/^replace [^(].*$/gm) ?? []).map(l =>
      l.replace(/^replace /, ''),
    ),
  ];
  for (const raw of lines) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line.includes('=>')) continue;
    const [lhs, rhs] = line.split('=>').map(s => s.trim());
    const lhsPath = lhs.split(/\s+/)[0];
    if (rhs.startsWith('.')) {
      if (!b.localReplaceVersion)
        throw new Error(
          `${b.module}: local replace "${line}" needs a localReplaceVersion`,
        );
      replaces.push(`\t${lhsPath} => ${lhsPath} ${b.localReplaceVersion}`);
    } else replaces.push(`\t${lhsPath} => ${rhs}`);
  }
  return [
    `// Generated by the testbed engine: builds ${b.module} ${b.version} with its replace directives.`,
    `module uyoop.local/testbed/${b.component}`,
    '',
    goLine,
    ...godebug,
    '',
    `require ${b.module} ${b.version}`,
    ...(b.extraRequire ? [`require ${b.extraRequire}`] : []),
    '',
    'replace (',
    ...replaces,
    ')',
    '',
  ].join('\n');
}

/** A Go file without the named blank imports; fails when one is not there. */
export function dropBlankImports(source: string, imports: string[]): string {
  let out = source;
  for (const path of imports) {
    const line = new RegExp(`^\\s*_ "${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*\\n`, 'm');
    if (!line.test(out)) throw new Error(`no blank import of ${path} to leave out`);
    out = out.replace(line, '');
  }
  return out;
}

/** Builds one component unless its cache entry is complete. Returns its bin folder. */
export async function build(ctx: TestbedContext, b: GoBuild): Promise<string> {
  const dir = componentDir(ctx, b);
  const bin = join(dir, 'bin');
  if (isBuilt(ctx, b)) return bin;
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  const log = join(dir, 'build.log');
  const t0 = Date.now();
  ctx.log.step(
    `building ${b.component} ${b.version} (first time on this machine; log: ${log})`,
  );
  const ldflags = `-s -w ${b.ldflags ?? ''}`.trim();
  let output = '';
  try {
    if (b.how === 'install') {
      const r = await ctx.run.run(
        'go',
        [
          'install',
          `-ldflags=${ldflags}`,
          ...b.packages.map(p => `${p}@${b.version}`),
        ],
        { env: goEnv(b, bin), cwd: dir },
      );
      output = r.stdout + r.stderr;
    } else {
      const dl = await ctx.run.run(
        'go',
        ['mod', 'download', '-json', `${b.module}@${b.version}`],
        { env: goEnv(b), cwd: dir },
      );
      const info = JSON.parse(dl.stdout) as { GoMod: string; Dir: string };
      let cwd = info.Dir;
      let env: Record<string, string> = goEnv(b);
      if (b.how === 'wrapped') {
        cwd = join(dir, 'src');
        rmSync(cwd, { recursive: true, force: true });
        mkdirSync(cwd, { recursive: true });
        const gomod = wrapperGoMod(b, readFileSync(info.GoMod, 'utf8'));
        if (b.mainSources)
          cpSync(join(ctx.repoRoot, b.mainSources), cwd, { recursive: true });
        writeFileSync(join(cwd, 'go.mod'), gomod);
        output += `== generated go.mod:\n${gomod}\n`;
        env = { ...env, GOFLAGS: `${env.GOFLAGS} -mod=mod` };
      }
      if (b.how === 'source' && b.dropImports) {
        // The module cache is read-only: build a copy, without those imports.
        cwd = join(dir, 'src');
        rmSync(cwd, { recursive: true, force: true });
        await ctx.run.run('cp', ['-r', info.Dir, cwd]);
        await ctx.run.run('chmod', ['-R', 'u+w', cwd]);
        const file = join(cwd, b.dropImports.file);
        writeFileSync(
          file,
          dropBlankImports(readFileSync(file, 'utf8'), b.dropImports.imports),
        );
      }
      const r = await ctx.run.run(
        'go',
        ['build', `-ldflags=${ldflags}`, '-o', `${bin}/`, ...b.packages],
        { env, cwd },
      );
      output += r.stdout + r.stderr;
    }
  } catch (e) {
    const detail = e instanceof CommandError ? `${e.result.stdout}${e.result.stderr}` : String(e);
    writeFileSync(log, `${output}${detail}`);
    throw new Error(
      `build of ${b.component} ${b.version} failed, see ${log}`,
    );
  }
  writeFileSync(log, output);
  const seconds = Math.round((Date.now() - t0) / 1000);
  writeFileSync(join(dir, 'build-seconds'), `${seconds}\n`);
  writeFileSync(join(dir, '.built'), '');
  ctx.log.step(`built ${b.component} ${b.version} in ${seconds} s`);
  return bin;
}

/** Builds what is missing, two at a time (one per core of the smallest machine). */
export async function buildAll(ctx: TestbedContext): Promise<void> {
  const queue = goBuilds(ctx.versions).filter(b => !isBuilt(ctx, b));
  const worker = async () => {
    for (let b = queue.shift(); b; b = queue.shift()) await build(ctx, b);
  };
  await Promise.all([worker(), worker()]);
}
