/**
 * The DRP engine on the testbed (yarn testbed up): its kubectl, velero and
 * restic, its S3 with the catalog's buckets, and a store in memory.
 */
import {
  backupBuckets,
  loadPlatform,
  Platform,
  sqliteKnex,
  zxRunner,
} from '@internal/platform';
import { s3Client, Testbed } from '@internal/testbed';
import { DrpEngine } from '../engine';
import { DrpStore } from '../store';

export async function testbedEngine(
  tb: Testbed,
  o: {
    platform?: Platform;
    /** restic repository URL (or path), with its password. */
    restic?: { repository: string; password: string };
  } = {},
): Promise<DrpEngine> {
  const platform = o.platform ?? (await loadPlatform());
  return new DrpEngine({
    platform,
    buckets: backupBuckets(platform),
    runner: zxRunner,
    tools: {
      kubectl: `${tb.bin}/kubectl`,
      velero: `${tb.bin}/velero`,
      restic: `${tb.bin}/restic`,
      veleroNamespace: tb.veleroNamespace,
      env: o.restic
        ? { ...tb.env, RESTIC_PASSWORD: o.restic.password }
        : tb.env,
      secrets: [
        tb.s3.secretAccessKey,
        ...(o.restic ? [o.restic.password] : []),
      ],
    },
    store: await DrpStore.create(sqliteKnex(':memory:')),
    s3: s3Client(tb),
    resticRepository: o.restic?.repository,
    pollMs: 1000,
    timeoutMs: 5 * 60_000,
  });
}
