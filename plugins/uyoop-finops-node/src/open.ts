import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '@backstage/config';
import { ConfigSources } from '@backstage/config-loader';
import {
  loadPlatform,
  Platform,
  repoRoot,
  sqliteKnex,
} from '@internal/platform';
import { kubeConfigFrom, readFinopsSettings } from './config';
import { credentialsFromEnv } from './credentials';
import { FinopsEngine, EngineLogger, FinopsEngineOptions } from './engine';
import { createOvhApi } from './ovh/client';
import { CostStore } from './store/store';

export { sqliteKnex };

export const defaultDbPath = (env: NodeJS.ProcessEnv = process.env) =>
  env.FINOPS_DB ||
  join(env.UYOOP_CACHE || join(homedir(), '.cache', 'uyoop'), 'finops.sqlite');

/**
 * The engine from app-config and the environment, as both front doors build
 * it: budgets, weights, node services, manual files, the kubeconfig and the
 * OVH endpoint from the `finops` section; OVH credentials from the
 * environment only.
 */
export async function createFinopsEngine(options: {
  config: Config;
  store: CostStore;
  env?: NodeJS.ProcessEnv;
  platform?: Platform;
  logger?: EngineLogger;
  overrides?: Partial<FinopsEngineOptions>;
}): Promise<FinopsEngine> {
  const settings = readFinopsSettings(options.config);
  const credentials = credentialsFromEnv(options.env ?? process.env);
  return new FinopsEngine({
    store: options.store,
    platform: options.platform ?? (await loadPlatform()),
    ovh: credentials ? createOvhApi(credentials, settings.ovhApi) : undefined,
    cloudProjectId: credentials?.cloudProjectId,
    nodeServices: settings.nodeServices,
    manualFiles: settings.manualFiles,
    kubeConfig: kubeConfigFrom(settings.kubeconfig),
    weights: settings.weights,
    budgets: settings.budgets,
    logger: options.logger,
    ...options.overrides,
  });
}

/**
 * The app-config files the backend reads, for the command line: `--config`
 * files when given (as the backend takes them), else the repository's
 * app-config.yaml and app-config.local.yaml. ${VAR} substitutions come from
 * `env`, as in the backend.
 */
export async function loadAppConfig(
  files: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
) {
  const source = ConfigSources.defaultForTargets({
    rootDir: repoRoot,
    // Read once: a file watcher would keep the command line alive.
    watch: false,
    targets: files.map(f => ({
      type: 'path' as const,
      target: isAbsolute(f) ? f : resolve(f),
    })),
    substitutionFunc: async name => env[name]?.trim(),
  });
  return ConfigSources.toConfig(source);
}

/**
 * The engine as the command line uses it: the same app-config as the
 * backend, catalog from packages/platform, OVH credentials from the
 * environment, a SQLite store.
 */
export async function openCliEngine(options: {
  db?: string;
  configFiles?: string[];
  env?: NodeJS.ProcessEnv;
  logger?: EngineLogger;
  now?: () => Date;
}) {
  const env = options.env ?? process.env;
  const config = await loadAppConfig(options.configFiles, env);
  let db: Knex | undefined;
  try {
    credentialsFromEnv(env); // incomplete credentials fail before the store is opened
    db = sqliteKnex(options.db ?? defaultDbPath(env));
    const engine = await createFinopsEngine({
      config,
      store: await CostStore.create(db),
      env,
      logger: options.logger,
      overrides: options.now ? { now: options.now } : {},
    });
    const opened = db;
    return { engine, close: () => opened.destroy() };
  } catch (e) {
    await db?.destroy();
    throw e;
  } finally {
    config.close();
  }
}
