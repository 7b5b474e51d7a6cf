import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import knexFactory, { Knex } from 'knex';
import { KubeConfig } from '@kubernetes/client-node';
import { loadPlatform } from '@internal/platform';
import { credentialsFromEnv } from './credentials';
import { FinopsEngine, EngineLogger } from './engine';
import { createOvhApi } from './ovh/client';
import { CostStore } from './store/store';

/** A SQLite knex for the CLI and the bench (':memory:' or a file). */
export function sqliteKnex(filename: string): Knex {
  if (filename !== ':memory:')
    mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
  });
}

export const defaultDbPath = (env: NodeJS.ProcessEnv = process.env) =>
  env.FINOPS_DB ||
  join(env.UYOOP_CACHE || join(homedir(), '.cache', 'uyoop'), 'finops.sqlite');

/**
 * The engine as the command line uses it: catalog from packages/platform,
 * OVH credentials from the environment, the cluster from KUBECONFIG when set.
 */
export async function openCliEngine(options: {
  db?: string;
  manualFiles: string[];
  env?: NodeJS.ProcessEnv;
  logger?: EngineLogger;
}) {
  const env = options.env ?? process.env;
  const credentials = credentialsFromEnv(env);
  const db = sqliteKnex(options.db ?? defaultDbPath(env));
  const store = await CostStore.create(db);
  let kubeConfig: KubeConfig | undefined;
  if (env.KUBECONFIG) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.KUBECONFIG);
  }
  const engine = new FinopsEngine({
    store,
    platform: await loadPlatform(),
    ovh: credentials ? createOvhApi(credentials) : undefined,
    cloudProjectId: credentials?.cloudProjectId,
    manualFiles: options.manualFiles,
    kubeConfig,
    logger: options.logger,
  });
  return { engine, close: () => db.destroy() };
}
