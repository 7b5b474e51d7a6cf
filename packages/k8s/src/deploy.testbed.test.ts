/*
 * `yarn deploy` against the testbed's real API server (yarn testbed up). The
 * platform is deployed as a copy whose managed namespaces carry this run's
 * suffix, in a deploy set of its own, so the testbed's own namespaces and
 * workloads are never touched. The testbed installs the Traefik,
 * cert-manager and Prometheus operator CRDs, so every object is applied.
 */
import { loadPlatform, zxRunner } from '@internal/platform';
import { runId, testbed, tool } from '@internal/testbed';
import {
  clusterPlan,
  deployCli,
  DeployReport,
  KubeObject,
  platformObjects,
  RECORD_NAMESPACE,
  recordName,
  renamedNamespaces,
  SET_LABEL,
} from '.';

jest.setTimeout(600_000);

describe('yarn deploy on the testbed', () => {
  const tb = testbed();
  const run = runId();
  const set = `deploy-it-${run}`;
  const copyOf = (name: string) => `${name}-d${run}`;
  const kubectl = (args: string[]) => tool(tb, 'kubectl', args);
  let objects: KubeObject[];
  let namespaces: string[];

  /** `yarn deploy` with these objects and arguments: its exit code, stdout and stderr. */
  async function deploy(args: string[], objs = objects) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await deployCli(
      ['--set', set, ...args],
      { out: l => out.push(l), err: l => err.push(l) },
      {
        runner: zxRunner,
        objects: async () => objs,
        env: { KUBECTL: `${tb.bin}/kubectl`, KUBECONFIG: tb.kubeconfig },
      },
    );
    const stdout = out.join('\n');
    return {
      code,
      stdout,
      stderr: err.join('\n'),
      report: () => JSON.parse(stdout) as DeployReport,
    };
  }
  const count = (r: DeployReport, action: string) =>
    r.changes.filter(c => c.action === action).length;
  /**
   * Objects of the run's own namespaces: always new. The cluster-scoped ones
   * (the ClusterIssuers) keep their names and may already exist.
   */
  const ownCount = () =>
    objects.filter(o => o.metadata.namespace || o.kind === 'Namespace').length;
  const existing = async () =>
    (await kubectl(['get', 'namespaces', '-o', 'name']))
      .split('\n')
      .map(l => l.replace('namespace/', ''))
      .filter(n => namespaces.includes(n));

  beforeAll(async () => {
    const plan = clusterPlan(await loadPlatform());
    const managed = new Set(plan.namespaces.map(n => n.name));
    // No replicas in the copies: the deploy is what is tested, and the
    // services' pods would only hold CPU on the testbed's 2-vCPU nodes.
    objects = renamedNamespaces(platformObjects(plan), managed, copyOf).map(o =>
      o.kind === 'Deployment' || o.kind === 'StatefulSet'
        ? { ...o, spec: { ...(o.spec as object), replicas: 0 } }
        : o,
    );
    namespaces = [...managed].map(copyOf);
  });

  afterAll(async () => {
    // Cluster-scoped objects of this set (the ClusterIssuers), then the namespace copies.
    const clusterKinds = [
      ...new Set(
        objects
          .filter(o => !o.metadata.namespace && o.kind !== 'Namespace')
          .map(o => o.kind),
      ),
    ];
    if (clusterKinds.length)
      await kubectl([
        'delete',
        clusterKinds.join(','),
        '-l',
        `${SET_LABEL}=${set}`,
        '--ignore-not-found',
      ]).catch(() => undefined);
    await kubectl([
      'delete',
      'configmap',
      recordName(set),
      '-n',
      RECORD_NAMESPACE,
      '--ignore-not-found',
    ]).catch(() => undefined);
    if (namespaces?.length)
      await kubectl([
        'delete',
        'namespace',
        '--ignore-not-found',
        '--wait=false',
        ...namespaces,
      ]).catch(() => undefined);
  });

  it('names a kind the cluster does not serve, and changes nothing', async () => {
    const widget = {
      apiVersion: 'widgets.uyoop.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: copyOf('prod-web') },
    };
    const r = await deploy([], [...objects, widget]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the cluster does not serve Widget \(widgets\.uyoop\.io\/v1, 1 objects\): install their CRDs first/,
    );
    expect(await existing()).toEqual([]);
  });

  it('--dry-run=server plans every object as a create and changes nothing', async () => {
    const r = await deploy(['--dry-run=server', '--json']);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.dryRun).toBe(true);
    expect(report.missingKinds).toEqual([]);
    expect(count(report, 'create')).toBeGreaterThanOrEqual(ownCount());
    expect(
      count(report, 'create') +
        count(report, 'update') +
        count(report, 'unchanged'),
    ).toBe(objects.length);
    expect(await existing()).toEqual([]);
  });

  it('applies every object with progress per namespace, then a second run changes nothing', async () => {
    const t0 = Date.now();
    const first = await deploy(['--json']);
    const seconds = Math.round((Date.now() - t0) / 1000);
    expect(first.code).toBe(0);
    const applied = first.report();
    const served = objects.length;
    expect(count(applied, 'create')).toBeGreaterThanOrEqual(ownCount());
    expect((await existing()).sort()).toEqual([...namespaces].sort());
    const devLab = copyOf('dev-lab');
    expect(
      await kubectl(['get', 'networkpolicies', '-n', devLab, '-o', 'name']),
    ).toMatch(/networkpolicy.networking.k8s.io\/default-deny/);
    expect(
      await kubectl([
        'get',
        'ingressroutes.traefik.io',
        '-n',
        copyOf('prod-cloud'),
        '-o',
        'name',
      ]),
    ).toMatch(/ingressroute/);
    // eslint-disable-next-line no-console
    console.log(`deploy: ${applied.objects} objects applied in ${seconds} s`);

    const again = await deploy([]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `deployed ${set}: ${applied.objects} objects, 0 created, 0 updated, ${served} unchanged, 0 pruned`,
      ),
    );
    expect(again.stderr).toMatch(
      new RegExp(`^${devLab}: \\d+ objects, 0 to create, 0 to update`, 'm'),
    );
  });

  it('prunes an object the render no longer holds, and only that one', async () => {
    const victim = objects.find(
      o =>
        o.kind === 'NetworkPolicy' &&
        o.metadata.namespace === copyOf('prod-web') &&
        o.metadata.name !== 'default-deny',
    )!;
    expect(victim).toBeDefined();
    const r = await deploy(
      ['--prune', '--json'],
      objects.filter(o => o !== victim),
    );
    expect(r.code).toBe(0);
    expect(r.report().pruned).toEqual([
      `NetworkPolicy ${copyOf('prod-web')}/${victim.metadata.name}`,
    ]);
    await expect(
      kubectl([
        'get',
        'networkpolicy',
        victim.metadata.name,
        '-n',
        copyOf('prod-web'),
      ]),
    ).rejects.toThrow(/NotFound|not found/);
  });

  it('prunes every object of a kind the render no longer holds at all, from the kinds the set recorded', async () => {
    const record = async () =>
      (
        await kubectl([
          'get',
          'configmap',
          recordName(set),
          '-n',
          RECORD_NAMESPACE,
          '-o',
          'jsonpath={.data.kinds}',
        ])
      ).split(',');
    expect(await record()).toContain('limitrange');
    const limits = objects.filter(o => o.kind === 'LimitRange');
    expect(limits.length).toBeGreaterThan(1);

    const r = await deploy(
      ['--prune', '--json'],
      objects.filter(o => o.kind !== 'LimitRange'),
    );
    expect(r.code).toBe(0);
    expect(r.report().pruned.sort()).toEqual(
      limits
        .map(o => `LimitRange ${o.metadata.namespace}/${o.metadata.name}`)
        .sort(),
    );
    expect(
      await kubectl([
        'get',
        'limitranges',
        '--all-namespaces',
        '-l',
        `${SET_LABEL}=${set}`,
        '-o',
        'name',
      ]),
    ).toBe('');
    expect(await record()).not.toContain('limitrange');
    expect(await record()).toContain('networkpolicy.networking.k8s.io');

    // Back to the whole render for the tests that follow.
    expect((await deploy([])).code).toBe(0);
  });

  it('keeps a namespace that holds a volume claim unless its name is typed again', async () => {
    const ns = copyOf('dev-lab');
    await zxRunner.run(
      `${tb.bin}/kubectl`,
      ['--kubeconfig', tb.kubeconfig, 'apply', '-n', ns, '-f', '-'],
      {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'notebooks' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        }),
      },
    );
    const without = objects.filter(
      o =>
        o.metadata.namespace !== ns &&
        !(o.kind === 'Namespace' && o.metadata.name === ns),
    );

    const kept = await deploy(['--prune'], without);
    expect(kept.code).toBe(1);
    expect(kept.stdout).toMatch(
      new RegExp(
        `KEPT +namespace ${ns}: it holds persistentvolumeclaim/notebooks \\(--confirm-prune ${ns}\\)`,
      ),
    );
    expect(await existing()).toContain(ns);
    expect(
      await kubectl(['get', 'networkpolicies', '-n', ns, '-o', 'name']),
    ).toMatch(/default-deny/);

    const typoed = await deploy(
      ['--prune', '--confirm-prune', `${ns}x`],
      without,
    );
    expect(typoed.code).toBe(1);
    expect(await existing()).toContain(ns);

    const confirmed = await deploy(
      ['--prune', '--confirm-prune', ns, '--json'],
      without,
    );
    expect(confirmed.code).toBe(0);
    expect(confirmed.report().pruned).toContain(`Namespace ${ns}`);
    const phase = await kubectl([
      'get',
      'namespace',
      ns,
      '--ignore-not-found',
      '-o',
      'jsonpath={.status.phase}',
    ]);
    expect(['', 'Terminating']).toContain(phase.trim());
  });

  it('refuses a --dry-run other than server, and an unknown option, with the usage (exit 2)', async () => {
    const bad = await deploy(['--dry-run=client']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--dry-run takes only "server", got "client"[\s\S]*usage: yarn deploy/,
    );
    const unknown = await deploy(['--prun']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--prun/);
  });
});
