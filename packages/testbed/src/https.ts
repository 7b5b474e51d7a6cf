/**
 * HTTPS from this machine to the testbed's edge: Traefik listens on ports 80
 * and 443 of its catalog node, whose lab address this machine reaches.
 */
import { request, RequestOptions } from 'node:https';
import type { Platform } from '@internal/platform';
import { createContext } from './engine/context';
import { labNodes } from './engine/nodes';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS GET; rejects when the connection or the certificate check fails, or after 10 s. */
export function httpsGet(options: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...options, timeout: 10_000 }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', c => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
      );
    });
    req.on('timeout', () =>
      req.destroy(
        new Error(
          `no answer from ${options.host}:${options.port}${options.path} in 10 s`,
        ),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The lab address of the node the catalog places Traefik on. */
export function traefikAddress(platform: Platform): string {
  const node = platform.services.find(s => s.name === 'traefik')?.nodes[0];
  const lab = labNodes(createContext(), platform.nodes).find(
    n => n.node.name === node,
  );
  if (!lab) throw new Error('the catalog places no traefik on a testbed node');
  return lab.labAddress;
}

/**
 * A GET through Traefik on port 443 for `host` (SNI and Host header), trusting
 * only `tls.ca`, or any certificate with `tls.insecure`.
 */
export const viaTraefik = (
  address: string,
  host: string,
  path: string,
  tls: { ca: string } | { insecure: true },
  headers: Record<string, string> = {},
) =>
  httpsGet({
    host: address,
    port: 443,
    servername: host,
    path,
    ...('ca' in tls ? { ca: tls.ca } : { rejectUnauthorized: false }),
    headers: { Host: host, ...headers },
  });
