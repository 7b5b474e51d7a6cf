/**
 * A local OVH API contract server for tests: HTTPS on 127.0.0.1 (the `ovh`
 * client only speaks HTTPS), the real answer shapes of the endpoints the
 * engine reads, and the real request signature check:
 *
 *   X-Ovh-Signature = "$1$" + sha1(secret + "+" + consumerKey + "+" + method
 *                     + "+" + "https://" + host + path?query + "+" + body + "+" + timestamp)
 *
 * `/auth/time` answers the server clock shifted by `skewSeconds`, and a
 * request whose timestamp is more than 30 s away from it is refused, as OVH
 * does. Faults (429, 5xx, malformed JSON) are queued per path.
 */
import { runSync } from '@internal/platform';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  OvhBill,
  OvhBillDetail,
  OvhCloudUsage,
  OvhConsumptionTransaction,
  OvhServiceInfos,
  OvhVps,
} from '../ovh/types';

export interface OvhAccessRule {
  method: string;
  /** OVH rule syntax: a trailing `*` matches any rest of the path. */
  path: string;
}

export interface OvhAccount {
  bills: { bill: OvhBill; details: OvhBillDetail[] }[];
  vps: { vps: OvhVps; serviceInfos: OvhServiceInfos }[];
  consumption: {
    current: OvhConsumptionTransaction[];
    forecast: OvhConsumptionTransaction[];
    history: OvhConsumptionTransaction[];
  };
  cloud: Record<string, { current: OvhCloudUsage; forecast: OvhCloudUsage }>;
}

export interface Fault {
  status: number;
  /** Raw body to send instead of JSON (malformed JSON cases). */
  raw?: string;
  message?: string;
}

export interface ContractServerOptions {
  appKey: string;
  appSecret: string;
  consumerKey: string;
  rules: OvhAccessRule[];
  account: OvhAccount;
  skewSeconds?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface OvhContractServer {
  host: string;
  port: number;
  ca: string;
  requests: RecordedRequest[];
  /** Queues faults answered, in order, to the next requests whose path (without query) is `path`. */
  fail(path: string, ...faults: Fault[]): void;
  setSkew(seconds: number): void;
  close(): Promise<void>;
}

/** The signature exactly as the `ovh` client and the OVH API compute it. */
export function ovhSignature(
  secret: string,
  consumerKey: string,
  method: string,
  url: string,
  body: string,
  timestamp: string | number,
) {
  return `$1$${createHash('sha1')
    .update([secret, consumerKey, method, url, body, timestamp].join('+'))
    .digest('hex')}`;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ovh-contract-'));
  try {
    runSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { timeoutMs: 60_000 },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch (e) {
    throw new Error(
      `the OVH contract server needs openssl to make its certificate (apt-get install openssl): ${e}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ruleMatches = (rule: OvhAccessRule, method: string, path: string) =>
  rule.method === method &&
  (rule.path.endsWith('*')
    ? path.startsWith(rule.path.slice(0, -1))
    : rule.path === path);

export async function startOvhContractServer(
  options: ContractServerOptions,
): Promise<OvhContractServer> {
  const { key, cert } = selfSignedCertificate();
  const host = '127.0.0.1';
  let skew = options.skewSeconds ?? 0;
  const faults = new Map<string, Fault[]>();
  const requests: RecordedRequest[] = [];
  const serverTime = () => Math.round(Date.now() / 1000) + skew;
  const a = options.account;

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    raw?: string,
  ) => {
    requests.push({
      method: req.method!,
      url: req.url!,
      status,
      headers: req.headers,
    });
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
    });
    res.end(raw ?? JSON.stringify(body));
  };
  const error = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    errorCode: string,
    message: string,
  ) =>
    send(req, res, status, {
      class: `Client::${errorCode}`,
      message,
      errorCode,
      httpCode: `${status}`,
    });

  const route = (
    method: string,
    path: string,
    query: URLSearchParams,
  ): unknown => {
    if (method !== 'GET') return undefined;
    let m: RegExpMatchArray | null;
    if (path === '/me/bill') {
      const from = query.get('date.from') ?? '0000';
      const to = query.get('date.to') ?? '9999';
      return a.bills
        .filter(b => b.bill.date >= from && b.bill.date < to)
        .map(b => b.bill.billId);
    }
    if ((m = path.match(/^\/me\/bill\/([^/]+)$/)))
      return a.bills.find(b => b.bill.billId === m![1])?.bill;
    if ((m = path.match(/^\/me\/bill\/([^/]+)\/details$/)))
      return a.bills
        .find(b => b.bill.billId === m![1])
        ?.details.map(d => d.billDetailId);
    if ((m = path.match(/^\/me\/bill\/([^/]+)\/details\/([^/]+)$/)))
      return a.bills
        .find(b => b.bill.billId === m![1])
        ?.details.find(d => d.billDetailId === m![2]);
    if (
      (m = path.match(/^\/me\/consumption\/usage\/(current|forecast|history)$/))
    )
      return a.consumption[m[1] as 'current' | 'forecast' | 'history'];
    if (path === '/vps') return a.vps.map(v => v.vps.name);
    if ((m = path.match(/^\/vps\/([^/]+)$/)))
      return a.vps.find(v => v.vps.name === m![1])?.vps;
    if ((m = path.match(/^\/vps\/([^/]+)\/serviceInfos$/)))
      return a.vps.find(v => v.vps.name === m![1])?.serviceInfos;
    if (
      (m = path.match(/^\/cloud\/project\/([^/]+)\/usage\/(current|forecast)$/))
    )
      return a.cloud[m[1]]?.[m[2] as 'current' | 'forecast'];
    return undefined;
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, `https://${host}`);
      if (!url.pathname.startsWith('/1.0/'))
        return error(
          req,
          res,
          404,
          'NotFound',
          'Got an invalid (or empty) URL',
        );
      const path = url.pathname.slice('/1.0'.length);
      if (path === '/auth/time') return send(req, res, 200, serverTime());

      const queued = faults.get(path);
      if (queued?.length) {
        const f = queued.shift()!;
        return f.raw !== undefined
          ? send(req, res, f.status, undefined, f.raw)
          : error(
              req,
              res,
              f.status,
              f.status === 429 ? 'TooManyRequests' : 'ServerError',
              f.message ?? 'Internal server error',
            );
      }

      const h = (name: string) =>
        req.headers[name.toLowerCase()] as string | undefined;
      if (h('X-Ovh-Application') !== options.appKey)
        return error(req, res, 403, 'Forbidden', 'Invalid application key');
      if (h('X-Ovh-Consumer') !== options.consumerKey)
        return error(
          req,
          res,
          403,
          'Forbidden',
          'This credential does not exist',
        );
      const ts = h('X-Ovh-Timestamp');
      if (!ts || Math.abs(Number(ts) - serverTime()) > 30)
        return error(
          req,
          res,
          401,
          'Unauthorized',
          'Invalid timestamp: the request clock is too far from the API time',
        );
      // The client signs the URL with its configured host, without the port.
      const expected = ovhSignature(
        options.appSecret,
        options.consumerKey,
        req.method!,
        `https://${host}${req.url}`,
        body,
        ts,
      );
      if (h('X-Ovh-Signature') !== expected)
        return error(req, res, 401, 'Unauthorized', 'Invalid signature');
      if (!options.rules.some(r => ruleMatches(r, req.method!, path)))
        return error(
          req,
          res,
          403,
          'Forbidden',
          'This call has not been granted',
        );

      const answer = route(req.method!, path, url.searchParams);
      if (answer === undefined)
        return error(
          req,
          res,
          404,
          'NotFound',
          `The requested object (${path}) does not exist`,
        );
      return send(req, res, 200, answer);
    });
  });
  await new Promise<void>(resolve => server.listen(0, host, resolve));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    ca: cert,
    requests,
    fail: (path, ...f) => faults.set(path, [...(faults.get(path) ?? []), ...f]),
    setSkew: s => {
      skew = s;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
