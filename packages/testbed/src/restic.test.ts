/*
 * restic on the testbed's Object Lock bucket: the immutable copy of the 3-2-1
 * rule. Locked versions cannot be deleted, survive `forget --prune`, and stay
 * restorable; the catalog's COMPLIANCE retention yields not even to the
 * bypass header that would lift a GOVERNANCE one.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ObjectVersion,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { runId, s3Client, testbed, tool } from '.';

jest.setTimeout(180_000);

const status = (e: unknown) =>
  (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe('restic on the Object Lock bucket', () => {
  const tb = testbed();
  const s3 = s3Client(tb);
  const bucket = tb.s3.bucketLocked;
  const prefix = `restic-it-${runId()}`;
  const repo = (p: string) => ({
    RESTIC_REPOSITORY: `s3:${tb.s3.endpoint}/${bucket}/${p}`,
    RESTIC_PASSWORD: `test-only-${prefix}`,
  });
  const restic = (p: string, args: string[]) =>
    tool(tb, 'restic', ['-o', 's3.bucket-lookup=path', ...args], repo(p));
  let work: string;

  async function versions(p: string): Promise<ObjectVersion[]> {
    const out = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `${p}/` }),
    );
    return out.Versions ?? [];
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'uyoop-restic-'));
    await mkdir(join(work, 'data'));
    await writeFile(
      join(work, 'data', 'mailbox.mbox'),
      `From: ops@uyoop.fr\n${'x'.repeat(100_000)}\n`,
    );
    await writeFile(join(work, 'data', 'nextcloud.sql'), `-- dump ${prefix}\n`);
    await restic(prefix, ['init']);
    await restic(prefix, ['backup', join(work, 'data')]);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses to delete a locked object version (403)', async () => {
    const pack = (await versions(prefix)).find(v => v.Key!.includes('/data/'))!;
    expect(pack).toBeDefined();
    const error = await s3
      .send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: pack.Key,
          VersionId: pack.VersionId,
        }),
      )
      .catch((e: unknown) => e);
    expect(status(error)).toBe(403);
    await expect(
      s3.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: pack.Key,
          VersionId: pack.VersionId,
        }),
      ),
    ).resolves.toMatchObject({
      ObjectLockMode: expect.stringMatching(/GOVERNANCE|COMPLIANCE/),
    });
  });

  it('keeps the locked data restorable after forget --prune', async () => {
    const snapshots = JSON.parse(await restic(prefix, ['snapshots', '--json']));
    expect(snapshots).toHaveLength(1);
    const before = await versions(prefix);

    await restic(prefix, ['forget', snapshots[0].short_id, '--prune']);
    expect(JSON.parse(await restic(prefix, ['snapshots', '--json']))).toEqual(
      [],
    );
    // Every version written before is still there, under the delete markers.
    const after = await versions(prefix);
    for (const v of before)
      expect(after).toContainEqual(
        expect.objectContaining({ Key: v.Key, VersionId: v.VersionId }),
      );

    // Recovery: copy the locked versions to a new prefix and restore from there.
    const recovered = `${prefix}-recovered`;
    for (const v of before) {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: v.Key!.replace(`${prefix}/`, `${recovered}/`),
          CopySource: `${bucket}/${encodeURI(v.Key!)}?versionId=${v.VersionId}`,
        }),
      );
    }
    const target = join(work, 'restored');
    await restic(recovered, ['restore', 'latest', '--target', target]);
    const restoredFile = join(target, work, 'data', 'nextcloud.sql');
    expect(await readFile(restoredFile, 'utf8')).toBe(`-- dump ${prefix}\n`);
  });

  it("keeps a COMPLIANCE-locked version for the catalog's 30 days, even against the bypass header", async () => {
    const key = `${prefix}-compliance/note.txt`;
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'locked by default retention',
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: put.VersionId,
      }),
    );
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const days =
      (head.ObjectLockRetainUntilDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    for (const bypass of [false, true]) {
      const refused = await s3
        .send(
          new DeleteObjectCommand({
            Bucket: bucket,
            Key: key,
            VersionId: put.VersionId,
            ...(bypass ? { BypassGovernanceRetention: true } : {}),
          }),
        )
        .catch((e: unknown) => e);
      expect(status(refused)).toBe(403);
    }
    const kept = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: put.VersionId,
      }),
    );
    expect(kept.VersionId).toBe(put.VersionId);
  });
});
