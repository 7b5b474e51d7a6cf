/**
 * Tier 2 of the backups: application-consistent dumps into the restic
 * repository on the Object Lock bucket. Each PostgreSQL database of the
 * catalog is dumped by `pg_dump` in its own pod and streamed into restic as
 * one file of a snapshot, tagged with the database's name and the services
 * of its namespace that the catalog backs up with restic (their RPO reads
 * those tags). A restore streams the file back into `psql` in the pod.
 */
import { NotFoundError } from '@backstage/errors';
import type { Database, Platform } from '@internal/platform';
import { Restic } from './restic';

/** One database dumped into restic. */
export interface DumpResult {
  database: string;
  namespace: string;
  snapshot: string;
  bytes: number;
  tags: string[];
}

/** The file a database's dump is kept as, inside its snapshots. */
export const dumpFile = (db: Pick<Database, 'name'>) => `${db.name}.sql`;

/**
 * A shell line for the database's container: its own environment holds the
 * database's name and the superuser's password (from its Secret), so neither
 * passes through the engine.
 */
const inPod = (db: Database, line: string, stdin = false) => [
  'exec',
  ...(stdin ? ['-i'] : []),
  '--namespace',
  db.namespace,
  `statefulset/${db.name}`,
  '--container',
  'postgres',
  '--',
  'sh',
  '-c',
  `PGPASSWORD="$POSTGRES_PASSWORD" exec ${line}`,
];

/** The catalog's PostgreSQL databases that run in the cluster; `only` narrows to one, by name. */
export function dumpableDatabases(
  platform: Pick<Platform, 'databases' | 'services'>,
  only?: string,
): Database[] {
  const inCluster = platform.databases.filter(
    db =>
      db.engine === 'postgresql' &&
      platform.services.some(
        s => s.namespace === db.namespace && s.runtime === 'k3s',
      ),
  );
  if (!only) return inCluster;
  const db = inCluster.find(d => d.name === only);
  if (!db)
    throw new NotFoundError(
      `no PostgreSQL database ${only} in the cluster; the catalog has ${
        inCluster.map(d => d.name).join(', ') || 'none'
      }`,
    );
  return [db];
}

/** The tags of a database's snapshots. */
export function dumpTags(
  platform: Pick<Platform, 'services'>,
  db: Database,
): string[] {
  const services = platform.services
    .filter(s => s.namespace === db.namespace && s.backup.includes('restic'))
    .map(s => s.name);
  return [...new Set([db.name, 'pg_dump', ...services])];
}

export async function dumpDatabase(
  restic: Restic,
  platform: Pick<Platform, 'services'>,
  db: Database,
): Promise<DumpResult> {
  const tags = dumpTags(platform, db);
  const r = await restic.backupStream(
    [
      'kubectl',
      inPod(
        db,
        'pg_dump -h 127.0.0.1 -U "${POSTGRES_USER:-postgres}" --clean --if-exists "$POSTGRES_DB"',
      ),
    ],
    { filename: dumpFile(db), tags, host: db.namespace },
  );
  return { database: db.name, namespace: db.namespace, tags, ...r };
}

/**
 * Loads a database's dump from restic into its pod: the newest snapshot
 * tagged with its name, or `snapshot`. The dump drops and recreates what it
 * holds (`--clean`); psql stops at the first error.
 */
export async function restoreDatabase(
  restic: Restic,
  db: Database,
  snapshot?: string,
): Promise<{ database: string; snapshot: string }> {
  const ours = (await restic.snapshots())
    .filter(s => s.tags.includes(db.name))
    .sort((a, b) => b.time.localeCompare(a.time));
  const chosen = snapshot
    ? ours.find(s => s.id === snapshot.slice(0, 8))
    : ours[0];
  if (!chosen)
    throw new NotFoundError(
      snapshot
        ? `no snapshot ${snapshot} of ${db.name}; its snapshots: ${
            ours.map(s => s.id).join(', ') || 'none'
          }`
        : `no dump of ${db.name} in ${restic.repository.url}`,
    );
  await restic.restoreStream(chosen.id, `/${dumpFile(db)}`, [
    'kubectl',
    inPod(
      db,
      'psql -h 127.0.0.1 -U "${POSTGRES_USER:-postgres}" -q -v ON_ERROR_STOP=1 -d "$POSTGRES_DB"',
      true,
    ),
  ]);
  return { database: db.name, snapshot: chosen.id };
}
