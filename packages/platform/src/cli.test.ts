import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogCli, repoRoot } from '.';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
    out,
    err,
  };
}

describe('yarn uyoop catalog', () => {
  it('validate: says how much the catalog holds and exits 0', async () => {
    const c = capture();
    expect(await catalogCli(['validate'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(
      /^catalog\/ is valid: \d+ entities, 2 nodes, \d+ services in \d+ namespaces, 9 systems$/,
    );
  });

  it('nodes --json: gives the testbed what it needs to simulate each node', async () => {
    const c = capture();
    expect(await catalogCli(['nodes', '--json'], c.io)).toBe(0);
    const nodes = JSON.parse(c.out.join('\n'));
    expect(nodes.map((n: any) => n.name)).toEqual(['core-prod', 'ai-lab']);
    expect(nodes[0]).toMatchObject({
      capacity: { cpu: 8, memoryGiB: 24, diskGiB: 200 },
      labels: { 'kubernetes.io/hostname': 'core-prod' },
      taints: [],
    });
  });

  it('impact: lists what breaks when a node goes down', async () => {
    const c = capture();
    expect(await catalogCli(['impact', 'core-prod'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('component:default/mailcow');
  });

  it('exits 1 and names the entity when it is not in the catalog', async () => {
    const c = capture();
    expect(await catalogCli(['impact', 'core-prd'], c.io)).toBe(1);
    expect(c.err).toEqual(['core-prd is not in the catalog']);
  });

  it('exits 2 with the usage on an unknown command', async () => {
    const c = capture();
    expect(await catalogCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err[0]).toContain('unknown command "frobnicate"');
    expect(c.err[0]).toContain('usage: yarn uyoop catalog');
  });

  it('exits 2 with the usage on a misspelled option, instead of ignoring it', async () => {
    const c = capture();
    expect(await catalogCli(['nodes', '--jsno'], c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err[0]).toContain("Unknown option '--jsno'");
    expect(c.err[0]).toContain('usage: yarn uyoop catalog');
  });

  it('exits 1 with every problem of an invalid catalog, leaving its files as they were', async () => {
    const root = await mkdtemp(join(tmpdir(), 'uyoop-cli-'));
    try {
      await cp(join(repoRoot, 'catalog'), join(root, 'catalog'), {
        recursive: true,
      });
      await cp(
        join(repoRoot, 'catalog-info.yaml'),
        join(root, 'catalog-info.yaml'),
      );
      const file = join(root, 'catalog', 'nodes.yaml');
      const broken = (await readFile(file, 'utf8')).replace(
        "uyoop.io/disk-gib: '200'",
        'uyoop.io/disk-gib: lots',
      );
      await writeFile(file, broken);
      const c = capture();
      expect(await catalogCli(['validate'], c.io, { root })).toBe(1);
      expect(c.err[0]).toContain(
        'catalog/nodes.yaml: Resource core-prod: metadata.annotations["uyoop.io/disk-gib"]: expected a positive whole number',
      );
      expect(await readFile(file, 'utf8')).toBe(broken);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('yarn uyoop catalog workloads', () => {
  it('places each K3s service in its namespace, on its node, tolerating that node only', async () => {
    const c = capture();
    expect(await catalogCli(['workloads'], c.io)).toBe(0);
    const { kind, items } = JSON.parse(c.out.join('\n'));
    expect(kind).toBe('List');
    const deployment = (name: string) =>
      items.find(
        (i: any) => i.kind === 'Deployment' && i.metadata.name === name,
      );
    expect(deployment('ghost').metadata.namespace).toBe('prod-web');
    expect(deployment('ghost').spec.template.spec).toMatchObject({
      nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
      tolerations: [],
    });
    expect(deployment('ollama').spec.template.spec.tolerations).toEqual([
      {
        key: 'uyoop.io/workload',
        operator: 'Equal',
        value: 'ai',
        effect: 'NoSchedule',
      },
    ]);
    // Mailcow runs as its compose stack beside K3s, CrowdSec on the hosts: no Deployment.
    expect(deployment('mailcow')).toBeUndefined();
    expect(deployment('crowdsec')).toBeUndefined();
    expect(
      items
        .filter((i: any) => i.kind === 'Namespace')
        .map((i: any) => i.metadata.name),
    ).toContain('prod-cloud');
  });

  it('runs each PostgreSQL database of the catalog as a StatefulSet with its own volume, on its node', async () => {
    const c = capture();
    expect(await catalogCli(['workloads'], c.io)).toBe(0);
    const { items } = JSON.parse(c.out.join('\n'));
    const sets = items.filter((i: any) => i.kind === 'StatefulSet');
    expect(sets.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
      'ai-lab/sonarqube-db',
      'devops-factory/gitlab-db',
      'platform/portal-db',
      'prod-cloud/nextcloud-db',
    ]);
    const sonar = sets.find((s: any) => s.metadata.name === 'sonarqube-db');
    expect(sonar.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'ai-lab' });
    expect(sonar.spec.template.spec.tolerations).toHaveLength(1);
    expect(sonar.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    const env = sonar.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'sonarqube-db-credentials', key: 'password' } },
    });
    // MySQL, MariaDB and Redis are not stood in for.
    expect(sets.find((s: any) => s.metadata.name === 'ghost-db')).toBeUndefined();
    // Each StatefulSet is reachable through a headless Service of its name, and its namespace exists.
    const services = items.filter((i: any) => i.kind === 'Service');
    expect(services.map((s: any) => s.metadata.name).sort()).toEqual(
      sets.map((s: any) => s.metadata.name).sort(),
    );
    expect(services.every((s: any) => s.spec.clusterIP === 'None')).toBe(true);
    const namespaces = items.filter((i: any) => i.kind === 'Namespace').map((i: any) => i.metadata.name);
    for (const s of sets) expect(namespaces).toContain(s.metadata.namespace);
  });
});
