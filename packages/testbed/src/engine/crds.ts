/**
 * The CRDs the platform's objects need beside Velero's: Traefik's, cert-manager's
 * and the Prometheus operator's, at the versions of infra/versions.env. Each
 * project publishes its CRDs inside its Go module, so they come from the Go
 * module proxy (`go mod download`, cached outside the repository) and are
 * applied as they are: the API server validates the platform's objects against
 * the real schemas. Only the definitions are installed, not the controllers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestbedContext } from './context';

interface CrdSource {
  name: string;
  module: string;
  versionKey: string;
  /** Files or folders of CRD manifests, relative to the module's root. */
  paths: string[];
}

export const crdSources: CrdSource[] = [
  {
    name: 'Traefik',
    module: 'github.com/traefik/traefik/v3',
    versionKey: 'TRAEFIK_VERSION',
    paths: ['docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml'],
  },
  {
    name: 'cert-manager',
    module: 'github.com/cert-manager/cert-manager',
    versionKey: 'CERT_MANAGER_VERSION',
    paths: ['deploy/crds'],
  },
  {
    name: 'Prometheus operator',
    module: 'github.com/prometheus-operator/prometheus-operator',
    versionKey: 'PROMETHEUS_OPERATOR_VERSION',
    paths: ['example/prometheus-operator-crd'],
  },
];

const modCache = (ctx: TestbedContext) => join(ctx.cache, 'gomod');

const goEnv = (ctx: TestbedContext) => ({
  GOMODCACHE: modCache(ctx),
  GOFLAGS: '-modcacherw',
  PATH: `${process.env.PATH}:/usr/local/go/bin`,
});

/** A Go module's folder in the cache, at the version of infra/versions.env, downloaded first when missing. */
export async function goModuleDir(ctx: TestbedContext, module: string, versionKey: string): Promise<string> {
  const version = ctx.versions[versionKey];
  if (!version) throw new Error(`${versionKey} is not set in infra/versions.env`);
  const r = await ctx.run.run('go', ['mod', 'download', '-json', `${module}@${version}`], {
    env: goEnv(ctx),
    cwd: ctx.cache,
    timeoutMs: 10 * 60_000,
  });
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}

/** Every CRD manifest file, downloading the modules that are not cached yet. */
export async function crdFiles(ctx: TestbedContext): Promise<{ name: string; files: string[] }[]> {
  const out: { name: string; files: string[] }[] = [];
  for (const s of crdSources) {
    const dir = await goModuleDir(ctx, s.module, s.versionKey);
    const files = s.paths.flatMap(p => {
      const full = join(dir, p);
      if (!existsSync(full))
        throw new Error(`${s.module}@${ctx.versions[s.versionKey]} has no ${p}: check ${s.versionKey}`);
      return /\.ya?ml$/.test(p)
        ? [full]
        : readdirSync(full)
            .filter(f => /\.ya?ml$/.test(f))
            .sort()
            .map(f => join(full, f));
    });
    out.push({ name: s.name, files });
  }
  return out;
}
