import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlphaEntity } from '@backstage/catalog-model/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { repoRoot } from '@internal/platform';
export { until } from '@internal/testbed';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogModuleUyoop } from './module';

/** A running catalog backend, and a reader of its API as a signed-in user. */
export interface TestCatalog {
  baseUrl: string;
  get<T = any>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts the real catalog plugin on the real backend with the catalog files
 * under `root` (its catalog-info.yaml), with this module or without it.
 */
export async function startCatalog(options: {
  root: string;
  withModule: boolean;
  /** Seconds between two processings of an entity; the catalog's own default (100-150 s) when false. */
  processingIntervalSeconds?: number | false;
  /** More file locations beside the root one, read as separate Locations (as e2e/ does). */
  extraLocations?: string[];
}): Promise<TestCatalog> {
  const interval = options.processingIntervalSeconds ?? 2;
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      ...(options.withModule ? [catalogModuleUyoop] : []),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [
              {
                allow: [
                  'Component',
                  'System',
                  'Domain',
                  'API',
                  'Resource',
                  'Location',
                  'Group',
                  'User',
                ],
              },
            ],
            // Re-process often, so an entity read before what it refers to is checked again soon.
            ...(interval ? { processingInterval: { seconds: interval } } : {}),
            locations: [
              join(options.root, 'catalog-info.yaml'),
              ...(options.extraLocations ?? []),
            ].map(target => ({ type: 'file', target })),
          },
        },
      }),
    ],
  });
  const { port } = backend.server.address() as { port: number };
  const baseUrl = `http://localhost:${port}`;
  return {
    baseUrl,
    async get(path) {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: { Authorization: mockCredentials.user.header() },
      });
      if (!res.ok)
        throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    stop: () => backend.stop(),
  };
}

/** A copy of the repository's catalog (catalog-info.yaml and catalog/) in a temporary folder. */
export async function copyCatalog(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'uyoop-catalog-'));
  await cp(join(repoRoot, 'catalog'), join(root, 'catalog'), {
    recursive: true,
  });
  await cp(
    join(repoRoot, 'catalog-info.yaml'),
    join(root, 'catalog-info.yaml'),
  );
  return root;
}

/** Adds a file of entities to a copied catalog and lists it in the root Location. */
export async function addCatalogFile(
  root: string,
  name: string,
  yaml: string,
): Promise<void> {
  await writeFile(join(root, 'catalog', name), yaml);
  const rootLocation = join(root, 'catalog-info.yaml');
  await writeFile(
    rootLocation,
    `${(
      await readFile(rootLocation, 'utf8')
    ).trimEnd()}\n    - ./catalog/${name}\n`,
  );
}

/** The processing errors the portal shows for an entity (the stock error panel's source). */
export function processingErrors(entity: AlphaEntity): string[] {
  return (entity.status?.items ?? [])
    .filter(
      i => i.level === 'error' && i.type === 'backstage.io/catalog-processing',
    )
    .map(i => i.error?.message ?? i.message);
}
