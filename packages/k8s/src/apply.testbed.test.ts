/*
 * The rendered platform against the testbed's real API server (yarn testbed up):
 * the namespaces are applied for real (labels only, so the testbed's own
 * workloads in them keep running), every other object as a server-side dry
 * run with strict field validation: the built-in kinds, and the Traefik,
 * cert-manager and Prometheus operator ones against the projects' own CRDs,
 * which the testbed installs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, runSync } from '@internal/platform';
import { testbed } from '@internal/testbed';
import { clusterPlan, KubeObject, platformObjects } from '.';

jest.setTimeout(300_000);

let dir: string;
let objects: KubeObject[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uyoop-k8s-apply-'));
  objects = platformObjects(clusterPlan(await loadPlatform()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

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
