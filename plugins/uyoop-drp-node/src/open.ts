import { homedir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@backstage/config';
import {
  backupBuckets,
  loadPlatform,
  Platform,
  ProcessRunner,
  sqliteKnex,
  zxRunner,
} from '@internal/platform';
import { DrpEngine, DrpEngineOptions } from './engine';
import { resticRepositoryUrl } from './restic';
import { DrpStore } from './store';
import type { DrpTools } from './tools';

/** How the engine reaches the cluster, Velero, S3 and restic. Secrets never live here. */
export interface DrpSettings {
  /** Folder holding kubectl, velero and restic; default: found on PATH. */
  bin?: string;
  kubeconfig?: string;
  veleroNamespace: string;
  s3?: { endpoint: string; region: string };
  /** Folder of the restic repository inside the locked bucket. */
  resticPrefix: string;
  /** Per wait of a drill or restore. */
  timeoutMinutes: number;
  /** restic check --read-data-subset schedule. */
  checkEveryHours: number;
  checkSubset: string;
  /** Tier 2: pg_dump of the catalog's databases into restic, every N hours (the dossier's daily backups). */
  dumpEveryHours: number;
}

/**
 * Settings from app-config's `drp` section, each with an environment
 * fallback, so the CLI works with the same variables when the portal is down:
 * DRP_BIN, KUBECONFIG, VELERO_NAMESPACE, DRP_S3_ENDPOINT, DRP_S3_REGION.
 */
export function readDrpSettings(
  config: Config | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DrpSettings {
  const c = config?.getOptionalConfig('drp');
  const endpoint = c?.getOptionalString('s3.endpoint') ?? env.DRP_S3_ENDPOINT;
  return {
    bin: c?.getOptionalString('bin') ?? env.DRP_BIN,
    kubeconfig: c?.getOptionalString('kubeconfig') ?? env.KUBECONFIG,
    veleroNamespace:
      c?.getOptionalString('veleroNamespace') ??
      env.VELERO_NAMESPACE ??
      'velero',
    s3: endpoint
      ? {
          endpoint,
          region:
            c?.getOptionalString('s3.region') ?? env.DRP_S3_REGION ?? 'gra',
        }
      : undefined,
    resticPrefix: c?.getOptionalString('resticPrefix') ?? 'restic',
    timeoutMinutes: c?.getOptionalNumber('timeoutMinutes') ?? 15,
    checkEveryHours: c?.getOptionalNumber('checkEveryHours') ?? 24,
    checkSubset: c?.getOptionalString('checkSubset') ?? '5%',
    dumpEveryHours: c?.getOptionalNumber('dumpEveryHours') ?? 24,
  };
}

/** The tools and their environment; S3 keys and the restic password come from the environment only. */
export function drpTools(
  settings: DrpSettings,
  env: NodeJS.ProcessEnv = process.env,
): DrpTools {
  const tool = (name: string) =>
    settings.bin ? join(settings.bin, name) : name;
  return {
    kubectl: tool('kubectl'),
    velero: tool('velero'),
    restic: tool('restic'),
    veleroNamespace: settings.veleroNamespace,
    env: {
      KUBECONFIG: settings.kubeconfig,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      RESTIC_PASSWORD: env.RESTIC_PASSWORD,
    },
    secrets: [env.AWS_SECRET_ACCESS_KEY, env.RESTIC_PASSWORD].filter(
      (s): s is string => Boolean(s),
    ),
  };
}

export function s3ClientFor(
  settings: DrpSettings,
  env: NodeJS.ProcessEnv = process.env,
): S3Client | undefined {
  if (!settings.s3 || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    return undefined;
  return new S3Client({
    endpoint: settings.s3.endpoint,
    region: settings.s3.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    },
  });
}

/** The engine as both front doors build it: catalog, settings, environment, a store. */
export async function createDrpEngine(options: {
  store: DrpStore;
  config?: Config;
  env?: NodeJS.ProcessEnv;
  platform?: Platform;
  runner?: ProcessRunner;
  overrides?: Partial<DrpEngineOptions>;
}): Promise<DrpEngine> {
  const env = options.env ?? process.env;
  const settings = readDrpSettings(options.config, env);
  const platform = options.platform ?? (await loadPlatform());
  const buckets = backupBuckets(platform);
  return new DrpEngine({
    platform,
    buckets,
    runner: options.runner ?? zxRunner,
    tools: drpTools(settings, env),
    store: options.store,
    s3: s3ClientFor(settings, env),
    resticRepository:
      env.DRP_RESTIC_REPOSITORY ??
      (settings.s3 && env.RESTIC_PASSWORD
        ? resticRepositoryUrl(
            settings.s3.endpoint,
            buckets.locked.name,
            settings.resticPrefix,
          )
        : undefined),
    timeoutMs: settings.timeoutMinutes * 60_000,
    ...options.overrides,
  });
}

export const defaultDbPath = (env: NodeJS.ProcessEnv = process.env) =>
  env.DRP_DB ||
  join(env.UYOOP_CACHE || join(homedir(), '.cache', 'uyoop'), 'drp.sqlite');

/** The engine for the command line: a SQLite store, settings from the environment. */
export async function openCliEngine(options: {
  db?: string;
  env?: NodeJS.ProcessEnv;
  runner?: ProcessRunner;
  platform?: Platform;
}) {
  const env = options.env ?? process.env;
  const db = sqliteKnex(options.db ?? defaultDbPath(env));
  try {
    const engine = await createDrpEngine({
      store: await DrpStore.create(db),
      env,
      runner: options.runner,
      platform: options.platform,
    });
    return { engine, close: () => db.destroy() };
  } catch (e) {
    await db.destroy();
    throw e;
  }
}
