import { loadPlatform } from '@internal/platform';
import { buildInventory, renderInventory } from './inventory';
import { UsageError, formatPlan, planProvision } from './plan';
import { parseVersionsEnv, readVersions } from './versions';
import { parse } from 'yaml';

describe('the provision plan', () => {
  it('generates the inventory from the catalog: K3s server on core-prod, agent on ai-lab', async () => {
    const platform = await loadPlatform();
    const inv = buildInventory(platform, { versions: await readVersions() });
    expect(Object.keys(inv.all.children.k3s_server.hosts)).toEqual([
      'core-prod',
    ]);
    expect(Object.keys(inv.all.children.k3s_agent.hosts)).toEqual(['ai-lab']);
    expect(Object.keys(inv.all.children.mailcow.hosts)).toEqual(['core-prod']);
    const core = inv.all.children.nodes.hosts['core-prod'] as Record<
      string,
      unknown
    >;
    expect(core).toMatchObject({
      ansible_host: 'core-prod.uyoop.fr',
      wireguard_address: '10.80.0.1',
      k3s_server_node_ip: '10.80.0.1',
    });
    expect(core.security_public_tcp_ports).toEqual(
      expect.arrayContaining([80, 443, 25]),
    );
    const ai = inv.all.children.nodes.hosts['ai-lab'] as Record<
      string,
      unknown
    >;
    expect(ai.security_public_tcp_ports).toEqual([]);
    expect(ai.k3s_agent_node_taints).toEqual([
      'uyoop.io/workload=ai:NoSchedule',
    ]);
    expect(inv.all.vars).toMatchObject({
      k3s_agent_server_url: 'https://10.80.0.1:6443',
      k3s_server_version: (await readVersions()).K3S_VERSION,
      wireguard_interface: 'wg0',
      security_mesh_port: 51820,
    });
    // What Ansible reads is the same data, as YAML.
    expect(parse(renderInventory(inv))).toEqual(
      JSON.parse(JSON.stringify(inv)),
    );
  });

  it('never asks the kubelet to set labels it may not set', async () => {
    const inv = buildInventory(await loadPlatform(), {
      versions: { K3S_VERSION: 'v1' },
    });
    const labels = (
      inv.all.children.nodes.hosts['core-prod'] as unknown as Record<
        string,
        Record<string, string>
      >
    ).k3s_server_node_labels;
    expect(
      Object.keys(labels).filter(
        k => k.startsWith('node-role.') || k === 'kubernetes.io/hostname',
      ),
    ).toEqual([]);
    expect(labels['svccontroller.k3s.cattle.io/enablelb']).toBe('true');
  });

  it('reaches a node at an override address, for Ansible and for the mesh', async () => {
    const plan = planProvision(await loadPlatform(), {
      versions: { K3S_VERSION: 'v1' },
      addresses: { 'ai-lab': '192.0.2.12' },
    });
    expect(plan.hosts.find(h => h.name === 'ai-lab')?.address).toBe(
      '192.0.2.12',
    );
    expect(plan.inventory.all.vars.wireguard_peers).toContainEqual({
      name: 'ai-lab',
      address: '10.80.0.2',
      endpoint: '192.0.2.12',
    });
  });

  it.each([
    [
      { phase: 'socle' as const },
      ['--tags', 'socle'],
      {
        'core-prod': ['common', 'security', 'wireguard', 'k3s_server'],
        'ai-lab': ['common', 'security', 'wireguard', 'k3s_agent'],
      },
      true,
    ],
    [
      { phase: 'mesh' as const },
      ['--tags', 'mesh'],
      { 'core-prod': ['wireguard'], 'ai-lab': ['wireguard'] },
      false,
    ],
    [
      { phase: 'mail' as const },
      ['--tags', 'mail'],
      { 'core-prod': ['mailcow'], 'ai-lab': [] },
      false,
    ],
    [
      { phase: 'socle' as const, limit: ['ai-lab'], check: true, diff: true },
      ['--tags', 'socle', '--limit', 'ai-lab', '--check', '--diff'],
      { 'ai-lab': ['common', 'security', 'wireguard', 'k3s_agent'] },
      true,
    ],
  ])('plans %j', async (opts, args, roles, needsToken) => {
    const plan = planProvision(await loadPlatform(), {
      versions: { K3S_VERSION: 'v1' },
      ...opts,
    });
    expect(plan.args).toEqual(args);
    expect(Object.fromEntries(plan.hosts.map(h => [h.name, h.roles]))).toEqual(
      roles,
    );
    expect(plan.needsK3sToken).toBe(needsToken);
    expect(formatPlan(plan)[0]).toContain(`phase ${opts.phase}`);
  });

  it('rejects an unknown node or phase as bad usage', async () => {
    const platform = await loadPlatform();
    expect(() =>
      planProvision(platform, {
        versions: { K3S_VERSION: 'v1' },
        limit: ['core-prd'],
      }),
    ).toThrow(
      new UsageError(
        '--limit core-prd: no such node in catalog/ (nodes: core-prod, ai-lab)',
      ),
    );
    expect(() =>
      planProvision(platform, {
        versions: { K3S_VERSION: 'v1' },
        phase: 'everything' as never,
      }),
    ).toThrow(/unknown phase "everything"/);
  });

  it('reads infra/versions.env as bash does', () => {
    expect(
      parseVersionsEnv('# c\nK3S_VERSION=v1.35.4+k3s1\n\nX="a b"\n'),
    ).toEqual({ K3S_VERSION: 'v1.35.4+k3s1', X: 'a b' });
    expect(() => parseVersionsEnv('export X=1')).toThrow(/cannot read line/);
  });
});
