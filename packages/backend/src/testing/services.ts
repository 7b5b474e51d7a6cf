/*
 * The real services the backend tests start on loopback ports: the backend
 * itself, Debian's PostgreSQL server (from @internal/testbed, which the plugin
 * tests share) and a local OpenID Provider standing in for Authelia. Each is
 * stopped by the PID it was started with.
 */
import { join } from 'node:path';
import { repoRoot, Service, startService } from '@internal/platform';
import { until } from '@internal/testbed';
import { freePort } from '@internal/testbed/src/databases';

export { freePort, startPostgres } from '@internal/testbed/src/databases';
export { drpTestbedEnv } from '@internal/testbed';
export type { Postgres } from '@internal/testbed/src/databases';

/** A started child process, its output, and how to stop it. */
export type Started = Service;

/** Starts `command` in a process group of its own, with exactly `env` when given. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Started {
  return startService({
    cmd: command,
    args,
    cwd: options.cwd,
    env: options.env,
    replaceEnv: options.env !== undefined,
  });
}

/** The backend package, started by the Backstage CLI with these config files. */
export function startBackend(
  configs: string[],
  env: NodeJS.ProcessEnv,
): Started {
  return startProcess(
    process.execPath,
    [
      join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli'),
      'package',
      'start',
      ...configs.flatMap(config => ['--config', config]),
    ],
    { cwd: join(repoRoot, 'packages/backend'), env },
  );
}

/**
 * The backend on the embedded default with guest sign-in, on a free port, once
 * it answers its readiness check; fails with the end of its output otherwise.
 */
export async function startEmbeddedBackend(
  env: NodeJS.ProcessEnv = {},
): Promise<{
  backend: Started;
  baseUrl: string;
  guestToken(): Promise<string>;
}> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const backend = startBackend(
    [
      join(repoRoot, 'app-config.yaml'),
      join(repoRoot, 'app-config.guest.yaml'),
    ],
    {
      ...process.env,
      NODE_ENV: 'development',
      APP_CONFIG_backend_listen_port: String(port),
      APP_CONFIG_backend_baseUrl: baseUrl,
      // The catalog reads the local forge of this backend (app-config.yaml).
      APP_CONFIG_backend_reading_allow: JSON.stringify([
        { host: `127.0.0.1:${port}`, paths: ['/api/scaffolder/repos/'] },
      ]),
      ...env,
    },
  );
  try {
    await until(
      'backend readiness',
      async () => {
        if (backend.exitCode() !== undefined) throw new Error('backend exited');
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
        return res.ok ? true : undefined;
      },
      120_000,
    );
  } catch (e) {
    await backend.stop();
    throw new Error(
      `${(e as Error).message}\n--- backend output ---\n${backend
        .output()
        .slice(-3000)}`,
    );
  }
  const guestToken = async () => {
    const res = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=development`,
      {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      },
    );
    if (res.status !== 200)
      throw new Error(`guest sign-in: HTTP ${res.status}`);
    return (await res.json()).backstageIdentity.token as string;
  };
  return { backend, baseUrl, guestToken };
}

export interface OidcAccount {
  email: string;
  name: string;
  groups?: string[];
}

export interface OidcProvider extends Started {
  issuer: string;
}

/** The local OpenID Provider (./oidcProvider.mjs) on a free loopback port. */
export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: Record<string, OidcAccount>;
}): Promise<OidcProvider> {
  const port = await freePort();
  const handle = startProcess(
    process.execPath,
    [join(__dirname, 'oidcProvider.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        OIDC_PORT: String(port),
        OIDC_CLIENT_ID: options.clientId,
        OIDC_CLIENT_SECRET: options.clientSecret,
        OIDC_REDIRECT_URI: options.redirectUri,
        OIDC_ACCOUNTS: JSON.stringify(options.accounts),
      },
    },
  );
  await until(
    'the OIDC provider to listen',
    async () => {
      if (handle.exitCode() !== undefined)
        throw new Error(`OIDC provider exited:\n${handle.output()}`);
      return handle.output().includes('listening') ? true : undefined;
    },
    30_000,
  );
  return { ...handle, issuer: `http://127.0.0.1:${port}` };
}
