/**
 * Deploys the rendered platform onto a cluster with kubectl: the plan (a
 * server-side diff of every object against the cluster), the apply
 * (server-side apply, strict field validation, one field manager), and the
 * prune of what a previous deploy of the same set applied and the render no
 * longer holds, of any kind the set has applied (its record in kube-system).
 * Objects of a kind the cluster does not serve (a CRD not installed) are
 * named, never silently dropped. A namespace holding a
 * PersistentVolumeClaim is pruned only when its name is typed again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommandError,
  isUsageError,
  parseCommandLine,
  usageFailure,
  UsageError,
  type CliIO,
  type ProcessRunner,
} from '@internal/platform';
import { collectManifests } from './manifests';
import type { KubeObject } from './render';

export const FIELD_MANAGER = 'uyoop-deploy';
/** The label naming the deploy set an object belongs to: prune looks at this set only. */
export const SET_LABEL = 'uyoop.io/deploy-set';

export interface DeployOptions {
  runner: ProcessRunner;
  kubectl: string;
  kubeconfig?: string;
  objects: KubeObject[];
  /** The deploy set (default `platform`): what a prune may remove. */
  set?: string;
  /** Plan and validate on the server only (`--dry-run=server`): nothing changes. */
  dryRun?: boolean;
  prune?: boolean;
  /** Namespaces holding claims that may still be pruned, each typed again. */
  confirmPrune?: string[];
  /** Apply what the cluster serves and report the rest, instead of failing. */
  allowMissingKinds?: boolean;
  onProgress?: (line: string) => void;
}

export type Action = 'create' | 'update' | 'unchanged';

export interface ObjectChange {
  /** `Kind namespace/name` (or `Kind name` for cluster-scoped objects). */
  object: string;
  namespace?: string;
  action: Action;
}

export interface DeployReport {
  set: string;
  dryRun: boolean;
  objects: number;
  changes: ObjectChange[];
  /** Kinds the cluster does not serve, with how many objects of each were not applied. */
  missingKinds: { kind: string; apiVersion: string; objects: number }[];
  pruned: string[];
  /** Namespaces a prune would remove but that hold claims and were not confirmed. */
  pruneRefused: { namespace: string; claims: string[] }[];
  ok: boolean;
}

export class DeployError extends Error {}

export const objectId = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${
    o.metadata.name
  }`;

/** The name `kubectl diff` gives an object's file: `<group>.<version>.<Kind>.<namespace>.<name>`. */
const diffName = (o: KubeObject) =>
  `${o.apiVersion.replace('/', '.')}.${o.kind}.${o.metadata.namespace ?? ''}.${
    o.metadata.name
  }`;

/** `kind.group` for `kubectl get`. */
const resourceOf = (apiVersion: string, kind: string) => {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}`;
};

/**
 * Where a deploy set records the kinds it has applied (as an ApplySet's
 * parent does): a prune looks at each of them, so that the objects of a kind
 * the render no longer holds at all are pruned too.
 */
export const RECORD_NAMESPACE = 'kube-system';
export const recordName = (set: string) => `uyoop-deploy-set-${set}`;

type Kubectl = (
  args: string[],
  allowFail?: boolean,
) => ReturnType<ProcessRunner['run']>;

async function recordedKinds(kubectl: Kubectl, set: string): Promise<string[]> {
  const args = ['get', 'configmap', recordName(set), '-n', RECORD_NAMESPACE];
  const r = await kubectl([...args, '-o', 'json'], true);
  if (r.code !== 0) {
    if (/NotFound/.test(r.stderr)) return [];
    throw new CommandError(`kubectl ${args.join(' ')}`, r);
  }
  const data = JSON.parse(r.stdout).data as { kinds?: string } | undefined;
  return (data?.kinds ?? '').split(',').filter(Boolean);
}

/**
 * What each object's apply would do, from `kubectl diff --server-side`: a
 * hunk from nothing is a create, any other hunk an update.
 */
export function parseDiff(objects: KubeObject[], diff: string): ObjectChange[] {
  const touched = new Map<string, Action>();
  let current: string | undefined;
  for (const line of diff.split('\n')) {
    const header = /^diff -u -N \S+\/(\S+) \S+$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    if (current && line.startsWith('@@ '))
      touched.set(
        current,
        /^@@ -0,0 /.test(line) && touched.get(current) !== 'update'
          ? 'create'
          : 'update',
      );
  }
  return objects.map(o => ({
    object: objectId(o),
    namespace:
      o.metadata.namespace ??
      (o.kind === 'Namespace' ? o.metadata.name : undefined),
    action: touched.get(diffName(o)) ?? 'unchanged',
  }));
}

export async function deploy(o: DeployOptions): Promise<DeployReport> {
  const set = o.set ?? 'platform';
  const say = o.onProgress ?? (() => undefined);
  const kubectl: Kubectl = async (args, allowFail = false) =>
    o.runner.run(
      o.kubectl,
      [...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : []), ...args],
      { allowFail, timeoutMs: 10 * 60_000 },
    );
  const labelled = o.objects.map(obj => ({
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [SET_LABEL]: set },
    },
  }));

  // What the cluster serves: an object of another kind cannot be applied.
  const served = new Set(
    (await kubectl(['api-resources', '--no-headers', '-o', 'wide'])).stdout
      .split('\n')
      .map(l => l.trim().split(/\s+/))
      .filter(cols => cols.length >= 4)
      .map(cols => {
        // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS...
        const i = cols.findIndex(c => c === 'true' || c === 'false');
        return `${cols[i - 1]} ${cols[i + 1]}`;
      }),
  );
  const isServed = (obj: KubeObject) =>
    served.has(`${obj.apiVersion} ${obj.kind}`);
  const servedResources = new Set(
    [...served].map(k => resourceOf(...(k.split(' ') as [string, string]))),
  );
  const missing = new Map<
    string,
    { kind: string; apiVersion: string; objects: number }
  >();
  for (const obj of labelled.filter(x => !isServed(x))) {
    const key = `${obj.apiVersion} ${obj.kind}`;
    const m = missing.get(key) ?? {
      kind: obj.kind,
      apiVersion: obj.apiVersion,
      objects: 0,
    };
    m.objects++;
    missing.set(key, m);
  }
  const report: DeployReport = {
    set,
    dryRun: Boolean(o.dryRun),
    objects: labelled.length,
    changes: [],
    missingKinds: [...missing.values()],
    pruned: [],
    pruneRefused: [],
    ok: true,
  };
  if (missing.size && !o.allowMissingKinds)
    throw new DeployError(
      `the cluster does not serve ${[...missing.values()]
        .map(m => `${m.kind} (${m.apiVersion}, ${m.objects} objects)`)
        .join(
          ', ',
        )}: install their CRDs first, or deploy the rest with --allow-missing-kinds`,
    );
  const applicable = labelled.filter(isServed);

  /** Server-side apply of a file, as this deploy's field manager. */
  const applyFile = (file: string, extra: string[] = []) =>
    kubectl([
      'apply',
      '--server-side',
      `--field-manager=${FIELD_MANAGER}`,
      '--force-conflicts',
      ...extra,
      '-f',
      file,
    ]);
  const dir = await mkdtemp(join(tmpdir(), 'uyoop-deploy-'));
  try {
    // Namespaces and cluster-scoped objects first, then each namespace's own.
    const groups = new Map<string, KubeObject[]>();
    for (const obj of applicable) {
      const key = obj.metadata.namespace ?? '';
      groups.set(key, [...(groups.get(key) ?? []), obj]);
    }
    const order = [...groups.keys()].sort();
    const created = new Set<string>();
    for (const [i, ns] of order.entries()) {
      const objs = groups.get(ns)!;
      if (o.dryRun && created.has(ns)) {
        // A dry run creates no namespace, so the server cannot take its objects yet.
        report.changes.push(
          ...objs.map(x => ({
            object: objectId(x),
            namespace: ns,
            action: 'create' as const,
          })),
        );
        say(
          `${ns}: ${objs.length} objects to create with the namespace (dry run)`,
        );
        continue;
      }
      const file = join(dir, `${i}.json`);
      await writeFile(
        file,
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
      );
      const diff = await kubectl(
        [
          'diff',
          '--server-side',
          `--field-manager=${FIELD_MANAGER}`,
          '--force-conflicts',
          '-f',
          file,
        ],
        true,
      );
      if (diff.code > 1)
        throw new CommandError(`kubectl diff (${ns || 'cluster'})`, diff);
      const changes = parseDiff(objs, diff.stdout);
      report.changes.push(...changes);
      for (const c of changes)
        if (c.action === 'create' && c.object.startsWith('Namespace '))
          created.add(c.namespace!);
      await applyFile(file, [
        '--validate=strict',
        ...(o.dryRun ? ['--dry-run=server'] : []),
      ]);
      const count = (a: Action) => changes.filter(c => c.action === a).length;
      say(
        `${ns || '(cluster)'}: ${objs.length} objects, ${count(
          'create',
        )} to create, ${count('update')} to update, ${count(
          'unchanged',
        )} unchanged${o.dryRun ? ' (dry run)' : ', applied'}`,
      );
    }

    const current = applicable.map(w => resourceOf(w.apiVersion, w.kind));
    // A kind whose CRD is gone has no objects left to prune.
    const previous = (await recordedKinds(kubectl, set)).filter(k =>
      servedResources.has(k),
    );
    if (o.prune)
      await prune(
        o,
        report,
        applicable,
        [...current, ...previous],
        kubectl,
        say,
      );
    if (!o.dryRun)
      await writeRecord(
        applyFile,
        join(dir, 'record.json'),
        set,
        // After a prune, what is left: the render's kinds, and the namespaces it kept.
        o.prune
          ? [...current, ...(report.pruneRefused.length ? ['namespace'] : [])]
          : [...current, ...previous],
      );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  report.ok = report.pruneRefused.length === 0;
  return report;
}

/** Writes the set's record: the kinds its live objects may be of. */
async function writeRecord(
  applyFile: (file: string) => Promise<unknown>,
  file: string,
  set: string,
  kinds: string[],
) {
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: recordName(set),
        namespace: RECORD_NAMESPACE,
        labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER },
      },
      data: { kinds: [...new Set(kinds)].sort().join(',') },
    }),
  );
  await applyFile(file);
}

/** Removes what this set applied before and the render no longer holds. */
async function prune(
  o: DeployOptions,
  report: DeployReport,
  wanted: KubeObject[],
  resources: string[],
  kubectl: Kubectl,
  say: (line: string) => void,
) {
  const kinds = [...new Set(resources)];
  if (!kinds.length) return;
  const live = JSON.parse(
    (
      await kubectl([
        'get',
        kinds.join(','),
        '--all-namespaces',
        '-l',
        `${SET_LABEL}=${report.set}`,
        '-o',
        'json',
      ])
    ).stdout,
  ).items as KubeObject[];
  const keep = new Set(wanted.map(objectId));
  const gone = live.filter(l => !keep.has(objectId(l)));
  const goneNamespaces = new Set(
    gone.filter(g => g.kind === 'Namespace').map(g => g.metadata.name),
  );
  for (const obj of gone) {
    // Objects of a namespace that goes are removed with it.
    if (obj.metadata.namespace && goneNamespaces.has(obj.metadata.namespace))
      continue;
    if (obj.kind === 'Namespace') {
      const claims = (
        await kubectl([
          'get',
          'persistentvolumeclaims',
          '-n',
          obj.metadata.name,
          '-o',
          'name',
        ])
      ).stdout
        .split('\n')
        .filter(Boolean);
      if (
        claims.length &&
        !(o.confirmPrune ?? []).includes(obj.metadata.name)
      ) {
        report.pruneRefused.push({ namespace: obj.metadata.name, claims });
        say(
          `prune: namespace ${obj.metadata.name} holds ${
            claims.length
          } claims (${claims.join(', ')}): kept; confirm with --confirm-prune ${
            obj.metadata.name
          }`,
        );
        continue;
      }
    }
    await kubectl([
      'delete',
      resourceOf(obj.apiVersion, obj.kind),
      obj.metadata.name,
      ...(obj.metadata.namespace ? ['-n', obj.metadata.namespace] : []),
      '--wait=false',
      ...(o.dryRun ? ['--dry-run=server'] : []),
    ]);
    report.pruned.push(objectId(obj));
    say(`prune: ${objectId(obj)}${o.dryRun ? ' (dry run)' : ' deleted'}`);
  }
}

/** The report as lines for a terminal. */
export function formatDeploy(r: DeployReport): string[] {
  const n = (a: Action) => r.changes.filter(c => c.action === a).length;
  return [
    ...r.changes
      .filter(c => c.action !== 'unchanged')
      .map(c => `${c.action.padEnd(9)} ${c.object}`),
    ...r.missingKinds.map(
      m =>
        `skipped   ${m.objects} ${m.kind} (${m.apiVersion}): the cluster does not serve this kind`,
    ),
    ...r.pruned.map(p => `${r.dryRun ? 'would prune' : 'pruned'} ${p}`),
    ...r.pruneRefused.map(
      p =>
        `KEPT      namespace ${p.namespace}: it holds ${p.claims.join(
          ', ',
        )} (--confirm-prune ${p.namespace})`,
    ),
    `${r.dryRun ? 'plan' : 'deployed'} ${r.set}: ${r.objects} objects, ${n(
      'create',
    )} created, ${n('update')} updated, ${n('unchanged')} unchanged, ${
      r.pruned.length
    } pruned${
      r.missingKinds.length
        ? `, ${r.missingKinds.reduce((s, m) => s + m.objects, 0)} not served`
        : ''
    }`,
  ];
}

export const deployUsage = `usage: yarn deploy [options]

Renders the platform from catalog/, diffs it against the cluster (KUBECONFIG), applies it with
server-side apply and strict validation, per namespace, and prunes what it no longer holds.

options:
  --dry-run=server         plan and validate on the server; change nothing
  --prune                  remove the objects of this deploy set that the render no longer holds
  --confirm-prune NS       allow the prune of namespace NS although it holds volume claims (repeatable)
  --allow-missing-kinds    apply what the cluster serves and name the kinds it does not (CRDs not installed)
  --set NAME               the deploy set (default platform): a prune only ever removes objects of this set
  --manifests PATH         deploy the objects of these YAML files (a file, or a folder's *.yaml) instead of the
                           platform's render: a golden-path service deploys its own manifests/ with its own --set
  --json                   the report as JSON on stdout
environment: KUBECONFIG, KUBECTL (default kubectl on PATH)
exit codes: 0 deployed, 1 failed or a prune kept, 2 bad usage`;

export interface DeployCliDeps {
  runner: ProcessRunner;
  objects: () => Promise<KubeObject[]>;
  env?: NodeJS.ProcessEnv;
}

/** The objects of a YAML file, or of every *.yaml file of a folder; fails naming every bad document's file. */
export async function readManifests(path: string): Promise<KubeObject[]> {
  const { objects, problems } = await collectManifests(path);
  if (problems.length > 0) throw new DeployError(problems.join('\n'));
  return objects;
}

/** `yarn deploy`: returns the exit code. */
export async function deployCli(
  argv: string[],
  io: CliIO,
  deps: DeployCliDeps,
): Promise<number> {
  let values;
  try {
    ({ values } = parseCommandLine(
      argv,
      {
        'dry-run': { type: 'string' },
        prune: { type: 'boolean' },
        'confirm-prune': { type: 'string', multiple: true },
        'allow-missing-kinds': { type: 'boolean' },
        set: { type: 'string' },
        manifests: { type: 'string' },
        json: { type: 'boolean' },
      },
      { positionals: false },
    ));
    if (values['dry-run'] !== undefined && values['dry-run'] !== 'server')
      throw new UsageError(
        `--dry-run takes only "server", got "${values['dry-run']}"`,
      );
  } catch (e) {
    if (!isUsageError(e)) throw e;
    return usageFailure(io, e, deployUsage);
  }
  const env = deps.env ?? process.env;
  try {
    const report = await deploy({
      runner: deps.runner,
      kubectl: env.KUBECTL || 'kubectl',
      kubeconfig: env.KUBECONFIG,
      objects: values.manifests
        ? await readManifests(values.manifests)
        : await deps.objects(),
      set: values.set,
      dryRun: values['dry-run'] === 'server',
      prune: values.prune,
      confirmPrune: values['confirm-prune'],
      allowMissingKinds: values['allow-missing-kinds'],
      onProgress: values.json ? undefined : line => io.err(line),
    });
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else formatDeploy(report).forEach(l => io.out(l));
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof DeployError || e instanceof CommandError) {
      io.err(`deploy: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
