// Types of the `ovh` package (it ships none): only what the engine uses.
declare module 'ovh' {
  interface OvhParams {
    appKey: string;
    appSecret: string;
    consumerKey?: string;
    endpoint?: string;
    host?: string;
    port?: number;
    basePath?: string;
    timeout?: number;
    apiTimeDiff?: number | null;
    debug?: boolean | ((...args: unknown[]) => void);
    warn?: (...args: unknown[]) => void;
  }
  interface OvhClient {
    apiTimeDiff: number | null;
    requestPromised(
      method: string,
      path: string,
      params?: Record<string, unknown>,
    ): Promise<unknown>;
  }
  function ovh(params: OvhParams): OvhClient;
  export = ovh;
}
