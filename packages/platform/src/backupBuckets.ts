import { CatalogError } from './errors';
import type { Bucket, Platform } from './model';

/** The System whose buckets hold the backups. */
export const BACKUP_SYSTEM = 'backup-dr';

/** The two backup buckets the catalog declares, and what each must be. */
export interface BackupBuckets {
  /** Tier 1: Velero's bucket. Unlocked, since Velero cannot write to an Object Lock bucket (velero#8686). */
  velero: Bucket;
  /** Tier 2: restic's repository, versioned with Object Lock and a default retention. */
  locked: Bucket & {
    objectLock: 'governance' | 'compliance';
    retentionDays: number;
  };
}

/**
 * The backup buckets from the catalog: of the `backup-dr` System, exactly one
 * unlocked (Velero's) and one locked with a retention (restic's). Anything
 * else is a CatalogError naming what to fix, so the engine, the CLI and the
 * testbed never guess a bucket name.
 */
export function backupBuckets(
  platform: Pick<Platform, 'buckets'>,
): BackupBuckets {
  const ours = platform.buckets.filter(b => b.system === BACKUP_SYSTEM);
  const unlocked = ours.filter(b => b.objectLock === 'none');
  const locked = ours.filter(b => b.objectLock !== 'none');
  const problems: string[] = [];
  if (unlocked.length !== 1)
    problems.push(
      `expected one unlocked s3-bucket (Velero's) in system ${BACKUP_SYSTEM}, found ${
        unlocked.map(b => b.name).join(', ') || 'none'
      }`,
    );
  if (locked.length !== 1)
    problems.push(
      `expected one Object Lock s3-bucket (restic's) in system ${BACKUP_SYSTEM}, found ${
        locked.map(b => b.name).join(', ') || 'none'
      }`,
    );
  else if (!locked[0].retentionDays)
    problems.push(`bucket ${locked[0].name} is locked but has no retention`);
  if (problems.length)
    throw new CatalogError(
      problems.map(message => ({ file: 'catalog/storage.yaml', message })),
    );
  return {
    velero: unlocked[0],
    locked: locked[0] as BackupBuckets['locked'],
  };
}

/** The S3 form of a bucket's lock: `COMPLIANCE`, `GOVERNANCE`, or undefined when unlocked. */
export const s3LockMode = (b: Bucket) =>
  b.objectLock === 'none'
    ? undefined
    : (b.objectLock.toUpperCase() as 'GOVERNANCE' | 'COMPLIANCE');
