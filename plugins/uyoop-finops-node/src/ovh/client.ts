import ovh from 'ovh';
import type { OvhCredentials } from '../credentials';

/** An OVH API error, with what to do next. `status` is the HTTP status when there is one. */
export class OvhApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly path: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'OvhApiError';
  }
}

export interface OvhApiOptions {
  /** Overrides of the `ovh` client's target, e.g. a local contract server. */
  host?: string;
  port?: number;
  basePath?: string;
  /** Retries after a 429 or a 5xx, with exponential backoff from `backoffMs`. */
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  /** Forces the clock difference (seconds) instead of asking /auth/time. */
  apiTimeDiff?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The read-only slice of the OVH API the engine uses. */
export interface OvhApi {
  get<T>(path: string, query?: Record<string, string | number>): Promise<T>;
}

const hints: Record<number, string> = {
  400: 'the request was refused; check the parameters',
  401: 'the request signature or timestamp was refused; check OVH_APPLICATION_SECRET and the machine clock',
  403: 'the consumer key lacks an access rule for this call; run `scripts/finops.ts credentials` for the rules to grant',
  404: 'the service does not exist on this account',
  429: 'OVH rate-limits this account; retry later',
};

const retryable = (status: number | undefined) =>
  status === 429 || (status !== undefined && status >= 500);

/**
 * The real `ovh` client with retries and clear errors. Credentials go to the
 * client and nowhere else: errors carry the path and status, never a key.
 */
export function createOvhApi(
  credentials: OvhCredentials,
  options: OvhApiOptions = {},
): OvhApi {
  const client = ovh({
    appKey: credentials.appKey,
    appSecret: credentials.appSecret,
    consumerKey: credentials.consumerKey,
    ...(options.host
      ? {
          host: options.host,
          port: options.port,
          basePath: options.basePath ?? '/1.0',
        }
      : { endpoint: credentials.endpoint }),
    timeout: options.timeoutMs ?? 30_000,
    apiTimeDiff: options.apiTimeDiff ?? null,
    // The client's debug log would print request paths only, but stays off.
    debug: false,
  });
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 500;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));

  return {
    async get<T>(
      path: string,
      query?: Record<string, string | number>,
    ): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return (await client.requestPromised(
            'GET',
            path,
            query ? { ...query } : {},
          )) as T;
        } catch (raw) {
          const e = raw as { error?: unknown; message?: unknown };
          const status = typeof e?.error === 'number' ? e.error : undefined;
          if (retryable(status) && attempt <= retries) {
            await sleep(backoff * 2 ** (attempt - 1));
            continue;
          }
          const detail = typeof e?.message === 'string' ? e.message : undefined;
          let message: string;
          if (status !== undefined) {
            const hint =
              hints[status] ??
              (status >= 500
                ? 'the OVH API is failing; retry later'
                : 'unexpected answer');
            message = `OVH GET ${path} failed with HTTP ${status}${
              detail ? ` (${detail})` : ''
            }${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${hint}`;
          } else if (
            typeof e?.error === 'string' &&
            /parse JSON/i.test(e.error)
          ) {
            message = `OVH GET ${path} answered malformed JSON: the API or a proxy in between is broken; retry later`;
          } else if (
            typeof e?.error === 'string' &&
            /API time/i.test(e.error)
          ) {
            message = `OVH GET ${path}: cannot read the API clock (/auth/time); check the endpoint and the network`;
          } else {
            message = `OVH GET ${path} failed: ${String(
              e?.error ?? raw,
            )}; check the endpoint and the network`;
          }
          throw new OvhApiError(message, status, path, attempt);
        }
      }
    },
  };
}
