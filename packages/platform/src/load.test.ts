import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogError, impactOf, loadPlatform, repoRoot } from '.';

describe('the uyoop catalog', () => {
  it('validates and holds both nodes with the dossier specs', async () => {
    const platform = await loadPlatform();
    const byName = Object.fromEntries(platform.nodes.map(n => [n.name, n]));
    expect(byName['core-prod']).toMatchObject({
      offer: 'VPS-3',
      vcpu: 8,
      memoryGiB: 24,
      diskGiB: 200,
      k3sRole: 'server',
      monthlyPrice: { amount: 14.28, currency: 'EUR', basis: 'TTC' },
    });
    expect(byName['ai-lab']).toMatchObject({
      offer: 'VPS-2',
      vcpu: 4,
      k3sRole: 'agent',
    });
    expect(byName['ai-lab'].taints).toEqual([
      { key: 'uyoop.io/workload', value: 'ai', effect: 'NoSchedule' },
    ]);
    expect(byName['core-prod'].labels).toMatchObject({
      'kubernetes.io/hostname': 'core-prod',
      'node.kubernetes.io/instance-type': 'vps-3',
    });
  });

  it.each([
    ['mailcow', 'prod-mail', 'core-prod'],
    ['nextcloud', 'prod-cloud', 'core-prod'],
    ['gitlab', 'devops-factory', 'core-prod'],
    ['ghost', 'prod-web', 'core-prod'],
    ['authelia', 'security', 'core-prod'],
    ['ollama', 'ai-lab', 'ai-lab'],
    ['gitlab-runner', 'devops-factory', 'ai-lab'],
  ])(
    'places %s in namespace %s on %s, as the service matrix says',
    async (name, namespace, node) => {
      const { services } = await loadPlatform();
      expect(services.find(s => s.name === name)).toMatchObject({
        namespace,
        nodes: [node],
      });
    },
  );

  it('answers what core-prod hosts and what breaks when it goes down', async () => {
    const platform = await loadPlatform();
    const hosted = platform.relations
      .filter(
        r => r.source === 'resource:default/core-prod' && r.type === 'hosts',
      )
      .map(r => r.target);
    expect(hosted).toEqual(
      expect.arrayContaining([
        'component:default/mailcow',
        'component:default/nextcloud',
      ]),
    );
    expect(hosted).not.toContain('component:default/ollama');
    const impact = impactOf(platform, 'core-prod');
    expect(impact).toEqual(
      expect.arrayContaining([
        'component:default/mailcow',
        'component:default/gitlab-runner',
      ]),
    );
    expect(impactOf(platform, 'resource:nextcloud-data')).toEqual([
      'component:default/nextcloud',
    ]);
  });

  it('builds the mesh from the node addresses', async () => {
    const { mesh } = await loadPlatform();
    expect(mesh).toMatchObject({
      cidr: '10.80.0.0/24',
      port: 51820,
      interface: 'wg0',
    });
    expect(mesh.peers.map(p => p.address).sort()).toEqual([
      '10.80.0.1',
      '10.80.0.2',
    ]);
  });
});

describe('a malformed catalog', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'uyoop-catalog-'));
    await cp(join(repoRoot, 'catalog'), join(root, 'catalog'), {
      recursive: true,
    });
    await cp(
      join(repoRoot, 'catalog-info.yaml'),
      join(root, 'catalog-info.yaml'),
    );
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** Replaces text in a catalog file; fails if the text is not there, so no case passes by accident. */
  async function edit(file: string, from: string | RegExp, to: string) {
    const path = join(root, file);
    const before = await readFile(path, 'utf8');
    const after = before.replace(from, to);
    expect(after).not.toEqual(before);
    await writeFile(path, after);
  }

  async function problems(): Promise<string> {
    const error = await loadPlatform({ root }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CatalogError);
    return (error as CatalogError).message;
  }

  it.each<[string, string, string | RegExp, string, string]>([
    [
      'a wrong kind',
      'catalog/services.yaml',
      'kind: Component\nmetadata:\n  name: ghost',
      'kind: Componnent\nmetadata:\n  name: ghost',
      'catalog/services.yaml: Componnent ghost: kind: unknown kind "Componnent"',
    ],
    [
      'a missing owner',
      'catalog/services.yaml',
      /(name: nextcloud[\s\S]*?)  owner: admins\n/,
      '$1',
      'catalog/services.yaml: Component nextcloud: spec.owner: is required',
    ],
    [
      'an unknown node in a relation',
      'catalog/services.yaml',
      'dependsOn: [resource:core-prod, resource:mailcow-db',
      'dependsOn: [resource:core-prd, resource:mailcow-db',
      'catalog/services.yaml: Component mailcow: spec.dependsOn[0]: refers to resource:default/core-prd, which is not in the catalog',
    ],
    [
      'an unknown node in uyoop.io/node',
      'catalog/ai-lab.yaml',
      'uyoop.io/node: ai-lab',
      'uyoop.io/node: gpu-box',
      'catalog/ai-lab.yaml: Component ollama: metadata.annotations["uyoop.io/node"]: refers to resource:default/gpu-box, which is not in the catalog',
    ],
    [
      'a service placed on a resource that is not a node',
      'catalog/ai-lab.yaml',
      'uyoop.io/node: ai-lab',
      'uyoop.io/node: ci-artifacts',
      'metadata.annotations["uyoop.io/node"]: resource:default/ci-artifacts is not a node',
    ],
    [
      'a spec that is not a number',
      'catalog/nodes.yaml',
      "uyoop.io/vcpu: '8'",
      'uyoop.io/vcpu: eight',
      'catalog/nodes.yaml: Resource core-prod: metadata.annotations["uyoop.io/vcpu"]: expected a positive whole number',
    ],
    [
      'a misspelt annotation',
      'catalog/platform.yaml',
      'uyoop.io/storage-tier: none',
      'uyoop.io/storage-teir: none',
      'metadata.annotations["uyoop.io/storage-teir"]: unknown annotation',
    ],
    [
      'a node without a mesh address',
      'catalog/nodes.yaml',
      '    uyoop.io/mesh-address: 10.80.0.2\n',
      '',
      'catalog/nodes.yaml: Resource ai-lab: metadata.annotations["uyoop.io/mesh-address"]: is required',
    ],
    [
      'a duplicated mesh address',
      'catalog/nodes.yaml',
      'uyoop.io/mesh-address: 10.80.0.2',
      'uyoop.io/mesh-address: 10.80.0.1',
      'catalog/nodes.yaml: Resource ai-lab: metadata.annotations["uyoop.io/mesh-address"]: 10.80.0.1 is already the mesh address of core-prod',
    ],
    [
      'a mesh address outside the mesh',
      'catalog/nodes.yaml',
      'uyoop.io/mesh-address: 10.80.0.2',
      'uyoop.io/mesh-address: 10.99.0.2',
      'Resource ai-lab: metadata.annotations["uyoop.io/mesh-address"]: 10.99.0.2 is outside the mesh 10.80.0.0/24',
    ],
    [
      'a component without a namespace',
      'catalog/services.yaml',
      '    backstage.io/kubernetes-namespace: prod-web\n',
      '',
      'catalog/services.yaml: Component ghost: metadata.annotations["backstage.io/kubernetes-namespace"]: is required',
    ],
    [
      'a service holding data without a backup policy',
      'catalog/services.yaml',
      /(name: ghost[\s\S]*?)    uyoop\.io\/backup: velero,restic\n/,
      '$1',
      'catalog/services.yaml: Component ghost: metadata.annotations["uyoop.io/backup"]: is required: storage tier nvme holds data, say which backup tiers cover it (velero, restic)',
    ],
    [
      'a compose service backed up by Velero only',
      'catalog/services.yaml',
      'uyoop.io/backup: restic',
      'uyoop.io/backup: velero',
      'catalog/services.yaml: Component mailcow: metadata.annotations["uyoop.io/backup"]: a compose service is outside the cluster, so Velero cannot back it up: include restic',
    ],
    [
      'an unknown backup tier',
      'catalog/services.yaml',
      'uyoop.io/backup: restic',
      'uyoop.io/backup: borg',
      'Component mailcow: metadata.annotations["uyoop.io/backup"]: expected backup tiers such as velero,restic',
    ],
    [
      'broken YAML',
      'catalog/systems.yaml',
      'name: observability',
      'name: [observability',
      'catalog/systems.yaml: YAML:',
    ],
  ])(
    'reports %s with the file and the field',
    async (_case, file, from, to, expected) => {
      await edit(file, from, to);
      expect(await problems()).toContain(expected);
    },
  );

  it('reports a file that the root location does not list', async () => {
    await writeFile(join(root, 'catalog', 'stray.yaml'), 'kind: Group\n');
    expect(await problems()).toContain(
      'catalog/stray.yaml: not listed in catalog-info.yaml',
    );
  });

  it('lists every problem at once, not just the first', async () => {
    await edit(
      'catalog/nodes.yaml',
      "uyoop.io/vcpu: '8'",
      'uyoop.io/vcpu: eight',
    );
    await edit(
      'catalog/services.yaml',
      'owner: developers\n  system: web',
      'owner: nobody\n  system: web',
    );
    const message = await problems();
    expect(message).toContain('uyoop.io/vcpu');
    expect(message).toContain('spec.owner: refers to group:default/nobody');
  });
});

describe('validator messages', () => {
  // Imported here: the mapping is internal, but its cases are worth a table.
  const { fieldOf } = jest.requireActual('./validate');
  it.each([
    [
      "/spec must have required property 'owner' - missingProperty: owner",
      'spec.owner',
      'is required',
    ],
    [
      '/spec/lifecycle must be string - type: string',
      'spec.lifecycle',
      'must be string',
    ],
    [
      '"metadata.name" is not valid; expected a string',
      'metadata.name',
      'is not valid; expected a string',
    ],
  ])('maps %j to field %s', (message, field, text) => {
    expect(fieldOf(message)).toEqual({ field, message: text });
  });
});
