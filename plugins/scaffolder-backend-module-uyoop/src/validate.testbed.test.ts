/*
 * uyoop:manifests:validate against the testbed's real API server (yarn
 * testbed up): a rendered golden path is accepted as a whole, its new
 * namespace included, and nothing of it is left on the cluster; broken
 * objects are refused, each one named; without a cluster the step is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '@backstage/errors';
import {
  checkNewService,
  serviceManifests,
  serviceNamespace,
} from '@internal/k8s';
import type { KubeObject } from '@internal/k8s';
import { loadPlatform, repoRoot } from '@internal/platform';
import { stringify } from 'yaml';
import { validateManifestsAction } from './validate';

const KUBECONFIG = join(repoRoot, '.testbed', 'kubeconfig');
const KUBECTL = join(repoRoot, '.testbed', 'bin', 'kubectl');
const WAIT_MS = 20 * 60_000;
const POLL_MS = 30_000;

jest.setTimeout(WAIT_MS + 5 * 60_000);

const run = Date.now().toString(36);
let dir: string;
let objects: KubeObject[];
let namespace: string;

const kubectl = async (args: string[]) =>
  (
    await promisify(execFile)(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], {
      encoding: 'utf8',
    })
  ).stdout;

/** Two Ready nodes, polled every 30 s: the testbed may still be coming up. */
async function waitForTestbed() {
  const deadline = Date.now() + WAIT_MS;
  let last = 'no kubeconfig yet';
  for (;;) {
    if (existsSync(KUBECONFIG) && existsSync(KUBECTL)) {
      try {
        const out = await kubectl(['get', 'nodes', '--no-headers']);
        const ready = out
          .split('\n')
          .filter(l => /\sReady(\s|,)/.test(l)).length;
        if (ready >= 2) return;
        last = `${ready} Ready nodes`;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    if (Date.now() + POLL_MS > deadline)
      throw new Error(`the testbed did not come up: ${last}`);
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}

async function writeManifests(name: string, docs: unknown[]) {
  const workspace = await mkdtemp(join(dir, `${name}-`));
  await mkdir(join(workspace, 'manifests'));
  await writeFile(
    join(workspace, 'manifests', `${name}.yaml`),
    docs.map(d => stringify(d)).join('---\n'),
  );
  return workspace;
}

async function runAction(
  workspacePath: string,
  kubeconfig: string | undefined,
  isDryRun = false,
) {
  const outputs: Record<string, unknown> = {};
  const logs: string[] = [];
  const log = (m: string) => {
    logs.push(m);
  };
  const ctx = {
    workspacePath,
    input: {},
    logger: { info: log, warn: log, error: log, debug: log },
    output: (k: string, v: unknown) => {
      outputs[k] = v;
    },
    isDryRun,
    checkpoint: async ({ fn }: { fn: () => unknown }) => fn(),
    getInitiatorCredentials: async () => ({}),
    createTemporaryDirectory: async () => mkdtemp(join(dir, 'tmp-')),
    task: { id: `validate-${run}` },
  };
  await validateManifestsAction({ kubeconfig }).handler(ctx as any);
  return { outputs, logs };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uyoop-validate-'));
  const platform = await loadPlatform();
  const service = checkNewService(platform, {
    kind: 'web-service',
    name: `validate-${run}`,
    tier: 'dev',
    owner: 'developers',
    system: 'web',
    node: 'core-prod',
    image: 'registry.uyoop.fr/x:0.1.0',
    port: 8080,
  });
  namespace = serviceNamespace(service);
  objects = serviceManifests(platform, service);
  await waitForTestbed();
}, WAIT_MS + 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('uyoop:manifests:validate on the testbed', () => {
  it('accepts a whole rendered golden path, its new namespace included, and changes nothing', async () => {
    expect(objects.some(o => o.kind === 'Namespace')).toBe(true);
    expect(
      objects.some(
        o => o.kind !== 'Namespace' && o.metadata.namespace === namespace,
      ),
    ).toBe(true);
    const workspace = await writeManifests('service', objects);

    const { outputs } = await runAction(workspace, KUBECONFIG, true);

    expect(outputs).toEqual({ objects: objects.length, validated: true });
    await expect(kubectl(['get', 'namespace', namespace])).rejects.toThrow(
      /NotFound|not found/,
    );
    // Nor in the namespace its objects were dry-run in instead.
    const deployment = objects.find(o => o.kind === 'Deployment')!;
    await expect(
      kubectl(['get', 'deployment', '-n', 'default', deployment.metadata.name]),
    ).rejects.toThrow(/NotFound|not found/);
  });

  it('refuses an unknown field and an invalid port, naming both objects', async () => {
    const broken = objects.map(o => {
      if (o.kind === 'Deployment')
        return { ...o, spec: { ...(o.spec as object), replicaCount: 2 } };
      if (o.kind === 'Service') {
        const spec = o.spec as { ports: Record<string, unknown>[] };
        return {
          ...o,
          spec: {
            ...spec,
            ports: spec.ports.map(p => ({ ...p, port: 70000 })),
          },
        };
      }
      return o;
    });
    const deployment = broken.find(o => o.kind === 'Deployment')!;
    const service = broken.find(o => o.kind === 'Service')!;
    const workspace = await writeManifests('broken', broken);

    const error = await runAction(workspace, KUBECONFIG).then(
      () => undefined,
      e => e,
    );

    expect(error).toBeInstanceOf(InputError);
    const lines = (error as Error).message.split('\n');
    const deploymentLine = lines.find(l =>
      l.startsWith(`Deployment/${deployment.metadata.name}: `),
    );
    const serviceLine = lines.find(l =>
      l.startsWith(`Service/${service.metadata.name}: `),
    );
    expect(deploymentLine).toMatch(/replicaCount/);
    expect(serviceLine).toMatch(/70000/);
    // Only the two broken objects are refused.
    expect(lines.filter(l => /^[A-Za-z]+\/[^ ]+: /.test(l))).toHaveLength(2);
  });

  it('without a cluster configured, skips the validation and does not fail', async () => {
    const workspace = await writeManifests('service', objects);

    const { outputs, logs } = await runAction(workspace, undefined);

    expect(outputs.validated).toBe(false);
    expect(logs.join('\n')).toMatch(/skipped.*no cluster configured/);
  });
});
