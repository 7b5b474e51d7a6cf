/**
 * A third network namespace standing for the Internet, on the node lab's
 * bridge (NodeLab's uy4-lan): a source that is neither an admin nor a node.
 * It sends real packets, including a raw one with a forged source address.
 */
import { runSync } from '@internal/platform';
import { lanNetns } from './nodes';

export const internetNetns = 'uy4-wan';

function ip(args: string[], allowFail = false) {
  return runSync('ip', args, { timeoutMs: 30_000, allowFail });
}

/** Exit 0 when a TCP connection to argv[1]:argv[2] opens within 2 s (python3: the controller has no nc). */
export const tcpConnectScript =
  'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)';

/** Sends one UDP datagram with a forged IPv4 source (a raw socket, IP_HDRINCL). */
const spoofScript = `
import socket, struct, sys
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = b"uy4-spoofed"
udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                   socket.inet_aton(src), socket.inet_aton(dst))
head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(head + udp, (dst, 0))
`;

export class Internet {
  constructor(readonly address: string) {}

  start() {
    ip(['netns', 'del', internetNetns], true);
    ip(['netns', 'add', internetNetns]);
    ip([
      'link',
      'add',
      'uy4-wan-h',
      'type',
      'veth',
      'peer',
      'name',
      'uy4-wan-n',
    ]);
    ip(['link', 'set', 'uy4-wan-h', 'netns', lanNetns]);
    ip(['-n', lanNetns, 'link', 'set', 'uy4-wan-h', 'master', 'br0', 'up']);
    ip(['link', 'set', 'uy4-wan-n', 'netns', internetNetns]);
    ip(['-n', internetNetns, 'link', 'set', 'uy4-wan-n', 'name', 'eth0']);
    ip([
      '-n',
      internetNetns,
      'addr',
      'add',
      `${this.address}/24`,
      'dev',
      'eth0',
    ]);
    ip(['-n', internetNetns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', internetNetns, 'link', 'set', 'lo', 'up']);
  }

  /** Deletes the namespace; its veth pair goes with it. */
  stop() {
    ip(['netns', 'del', internetNetns], true);
  }

  exec(cmd: string, args: string[]) {
    return runSync('ip', ['netns', 'exec', internetNetns, cmd, ...args], {
      timeoutMs: 30_000,
      allowFail: true,
    });
  }

  tcpOpen(host: string, port: number): boolean {
    return (
      this.exec('python3', ['-c', tcpConnectScript, host, String(port)])
        .code === 0
    );
  }

  sendSpoofedUdp(source: string, destination: string, port: number) {
    const r = this.exec('python3', [
      '-c',
      spoofScript,
      source,
      destination,
      String(port),
    ]);
    if (r.code !== 0) throw new Error(`spoofed packet not sent: ${r.stderr}`);
  }
}
