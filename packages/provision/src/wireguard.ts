import type { Platform } from '@internal/platform';
import { nodeAddress } from './inventory';

export interface MeshPeerPlan {
  node: string;
  address: string;
  endpoint: string;
  /** What this node routes to the peer: the peer's mesh address only. */
  allowedIps: string;
}

export interface MeshPlan {
  interface: string;
  cidr: string;
  port: number;
  nodes: { node: string; address: string; peers: MeshPeerPlan[] }[];
}

/** The full mesh: every node peers with every other one, at its public endpoint. */
export function planMesh(
  platform: Platform,
  addresses: Record<string, string> = {},
): MeshPlan {
  const { mesh } = platform;
  const peerOf = (name: string): MeshPeerPlan => {
    const n = platform.nodes.find(x => x.name === name)!;
    return {
      node: n.name,
      address: n.meshAddress,
      endpoint: `${nodeAddress(n, addresses)}:${mesh.port}`,
      allowedIps: `${n.meshAddress}/32`,
    };
  };
  return {
    interface: mesh.interface,
    cidr: mesh.cidr,
    port: mesh.port,
    nodes: platform.nodes.map(n => ({
      node: n.name,
      address: n.meshAddress,
      peers: platform.nodes
        .filter(p => p.name !== n.name)
        .map(p => peerOf(p.name)),
    })),
  };
}

export interface PeerStatus {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  /** Seconds since the epoch, undefined when there was never a handshake. */
  latestHandshake?: number;
  rxBytes: number;
  txBytes: number;
}

/** Reads `wg show <iface> dump`: one interface line, then one line per peer. */
export function parseWgDump(text: string): PeerStatus[] {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(1).map(line => {
    const [publicKey, , endpoint, allowed, handshake, rx, tx] =
      line.split('\t');
    const hs = Number(handshake);
    return {
      publicKey,
      endpoint: endpoint === '(none)' ? undefined : endpoint,
      allowedIps: allowed === '(none)' ? [] : allowed.split(','),
      latestHandshake: hs > 0 ? hs : undefined,
      rxBytes: Number(rx),
      txBytes: Number(tx),
    };
  });
}

export function formatHandshake(
  latest: number | undefined,
  now: number,
): string {
  if (latest === undefined) return 'never';
  const s = Math.max(0, Math.round(now - latest));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function formatMeshPlan(plan: MeshPlan): string[] {
  const out = [
    `mesh ${plan.interface} ${plan.cidr}, udp/${plan.port}, full mesh`,
  ];
  for (const n of plan.nodes) {
    out.push(`  ${n.node} ${n.address}`);
    for (const p of n.peers) {
      out.push(`    -> ${p.node} ${p.allowedIps} via ${p.endpoint}`);
    }
  }
  return out;
}
