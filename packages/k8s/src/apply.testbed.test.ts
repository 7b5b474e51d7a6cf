/*
 * The rendered platform against the testbed's real API server (yarn testbed up):
 * the namespaces are created for real as copies named for this run (the real
 * ones hold the testbed's own stand-ins under the workloads' names, which a
 * dry run of ours would collide with), every other object is a server-side
 * dry run into them with strict field validation: the built-in kinds, and the
 * Traefik, cert-manager and Prometheus operator ones against the projects'
 * own CRDs, which the testbed installs. A dry run starts no pod, so the
 * testbed's nodes lend no capacity to the workloads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, runSync } from '@internal/platform';
import { runId, testbed } from '@internal/testbed';
import { clusterPlan, KubeObject, platformObjects } from '.';
import { renamedNamespaces } from './copies';

jest.setTimeout(300_000);

const run = runId();
let dir: string;
let objects: KubeObject[];
let copies: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uyoop-k8s-apply-'));
  const plan = clusterPlan(await loadPlatform());
  const managed = new Set(plan.namespaces.map(n => n.name));
  objects = renamedNamespaces(
    platformObjects(plan),
    managed,
    name => `${name}-a${run}`,
  );
  copies = objects
    .filter(o => o.kind === 'Namespace')
    .map(o => o.metadata.name);
});
afterAll(async () => {
  if (copies.length)
    try {
      kubectl(['delete', 'namespace', '--wait=false', ...copies]);
    } catch {
      // already gone
    }
  await rm(dir, { recursive: true, force: true });
});

function kubectl(args: string[]) {
  const tb = testbed();
  return runSync(join(tb.bin, 'kubectl'), [
    '--kubeconfig',
    tb.kubeconfig,
    ...args,
  ]).stdout;
}

async function listFile(name: string, items: unknown[]) {
  const file = join(dir, name);
  await writeFile(
    file,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
  return file;
}

const apply = (file: string, dryRun: boolean) =>
  kubectl([
    'apply',
    '--server-side',
    '--field-manager=uyoop-k8s',
    '--validate=strict',
    ...(dryRun ? ['--dry-run=server'] : []),
    '-f',
    file,
  ]);

describe('the rendered platform on the testbed', () => {
  it('the API server accepts every object, CRD kinds included, with strict field validation', async () => {
    const namespaces = objects.filter(o => o.kind === 'Namespace');
    const rest = objects.filter(o => o.kind !== 'Namespace');
    expect(new Set(rest.map(o => o.kind))).toEqual(
      new Set([
        'ResourceQuota',
        'LimitRange',
        'NetworkPolicy',
        'IngressRoute',
        'Middleware',
        'Certificate',
        'ClusterIssuer',
        'PrometheusRule',
        'Schedule',
        // the workloads of services.ts
        'Deployment',
        'StatefulSet',
        'Service',
        'ConfigMap',
        'PersistentVolumeClaim',
        'ServiceAccount',
        'Role',
        'RoleBinding',
      ]),
    );
    const applied = apply(await listFile('namespaces.json', namespaces), false);
    expect(applied.trim().split('\n')).toHaveLength(namespaces.length);
    const dry = apply(await listFile('objects.json', rest), true);
    const lines = dry.trim().split('\n');
    expect(lines).toHaveLength(rest.length);
    expect(
      lines.every(l => l.endsWith('serverside-applied (server dry run)')),
    ).toBe(true);
  });

  it('strict validation is really on, for a CRD kind too: an unknown field is refused', async () => {
    const route = objects.find(o => o.kind === 'IngressRoute')!;
    const file = await listFile('bad-route.json', [
      {
        ...route,
        spec: { ...(route.spec as object), entryPoint: ['websecure'] },
      },
    ]);
    expect(() => apply(file, true)).toThrow(
      /unknown field \\?"(spec\.)?entryPoint\\?"/,
    );
  });

  it('strict validation is really on: an unknown field is refused', async () => {
    const policy = objects.find(o => o.kind === 'NetworkPolicy')!;
    const bad = {
      ...policy,
      spec: { ...(policy.spec as object), podSelectr: {} },
    };
    const file = await listFile('bad.json', [bad]);
    let message = '';
    try {
      apply(file, true);
    } catch (e) {
      message = String((e as { stderr?: string }).stderr ?? e);
    }
    // kubectl names the field and the type it is unknown to
    expect(message).toMatch(/unknown field \\?"(spec\.)?podSelectr\\?"/);
  });
});
