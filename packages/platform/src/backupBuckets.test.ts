import { backupBuckets, s3LockMode } from './backupBuckets';
import { CatalogError } from './errors';
import { loadPlatform } from './load';
import type { Bucket } from './model';

describe('backup buckets', () => {
  it("come from the catalog: Velero's unlocked bucket and restic's bucket locked in COMPLIANCE for 30 days", async () => {
    const b = backupBuckets(await loadPlatform());
    expect(b.velero).toMatchObject({
      name: 'velero-backups',
      objectLock: 'none',
    });
    expect(b.locked).toMatchObject({
      name: 'backups-locked',
      objectLock: 'compliance',
      retentionDays: 30,
    });
    expect(s3LockMode(b.locked)).toBe('COMPLIANCE');
    expect(s3LockMode(b.velero)).toBeUndefined();
  });

  it('a catalog without a locked backup bucket is an error naming what is missing', () => {
    const velero: Bucket = {
      name: 'velero-backups',
      title: 'v',
      system: 'backup-dr',
      owner: 'drp-admins',
      objectLock: 'none',
    };
    const error = (() => {
      try {
        return backupBuckets({
          buckets: [velero, { ...velero, name: 'other' }],
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as Error).message).toContain(
      "expected one unlocked s3-bucket (Velero's) in system backup-dr, found velero-backups, other",
    );
    expect((error as Error).message).toContain(
      "expected one Object Lock s3-bucket (restic's) in system backup-dr, found none",
    );
  });
});
