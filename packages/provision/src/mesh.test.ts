import { loadPlatform } from '@internal/platform';
import {
  formatHandshake,
  formatMeshPlan,
  parseWgDump,
  planMesh,
} from './wireguard';
import { buildUserData } from './cloudInit';
import { parse } from 'yaml';

describe('the WireGuard mesh plan', () => {
  it('peers every node with every other one, routing only its mesh address', async () => {
    const plan = planMesh(await loadPlatform());
    expect(plan).toMatchObject({
      interface: 'wg0',
      cidr: '10.80.0.0/24',
      port: 51820,
    });
    expect(plan.nodes).toEqual([
      {
        node: 'core-prod',
        address: '10.80.0.1',
        peers: [
          {
            node: 'ai-lab',
            address: '10.80.0.2',
            endpoint: 'ai-lab.uyoop.fr:51820',
            allowedIps: '10.80.0.2/32',
          },
        ],
      },
      {
        node: 'ai-lab',
        address: '10.80.0.2',
        peers: [
          {
            node: 'core-prod',
            address: '10.80.0.1',
            endpoint: 'core-prod.uyoop.fr:51820',
            allowedIps: '10.80.0.1/32',
          },
        ],
      },
    ]);
    expect(formatMeshPlan(plan)).toContain(
      '    -> ai-lab 10.80.0.2/32 via ai-lab.uyoop.fr:51820',
    );
  });

  it('reads the latest handshakes from `wg show dump`', () => {
    const dump =
      'privkey\tpubkey\t51820\toff\npeerA=\t(none)\t192.0.2.12:51820\t10.80.0.2/32\t1700000000\t92\t180\t25\npeerB=\t(none)\t(none)\t10.80.0.3/32\t0\t0\t0\toff\n';
    const peers = parseWgDump(dump);
    expect(peers[0]).toMatchObject({
      endpoint: '192.0.2.12:51820',
      allowedIps: ['10.80.0.2/32'],
      latestHandshake: 1700000000,
    });
    expect(peers[1].latestHandshake).toBeUndefined();
    expect(formatHandshake(1700000000, 1700000042)).toBe('42 s ago');
    expect(formatHandshake(undefined, 1)).toBe('never');
  });
});

describe('cloud-init user-data', () => {
  it('creates the admin with its key, no root and no password login', async () => {
    const node = (await loadPlatform()).nodes[0];
    const text = buildUserData(node, {
      adminUser: 'uyoop',
      sshKeys: ['ssh-ed25519 AAAAC3Nza test'],
    });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const data = parse(text);
    expect(data).toMatchObject({
      hostname: 'core-prod',
      fqdn: 'core-prod.uyoop.fr',
      disable_root: true,
      ssh_pwauth: false,
    });
    expect(data.users[0]).toMatchObject({
      name: 'uyoop',
      lock_passwd: true,
      ssh_authorized_keys: ['ssh-ed25519 AAAAC3Nza test'],
    });
    expect(data.packages).toContain('python3');
  });

  it('refuses to lock everybody out', async () => {
    const node = (await loadPlatform()).nodes[0];
    expect(() =>
      buildUserData(node, { adminUser: 'uyoop', sshKeys: [] }),
    ).toThrow(/no SSH public key for uyoop/);
    expect(() =>
      buildUserData(node, { adminUser: 'uyoop', sshKeys: ['hunter2'] }),
    ).toThrow(/not an OpenSSH public key/);
  });
});
