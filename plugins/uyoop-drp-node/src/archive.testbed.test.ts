/*
 * `yarn archive` on the testbed, as a user runs it: rclone copies a local
 * folder into the catalog's archives bucket on radosgw, a second run copies
 * nothing, an object changed in S3 behind rclone's back fails the check, and
 * a missing source touches nothing. Needs `yarn testbed up`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  applyBucketSettings,
  loadPlatform,
  repoRoot,
  zxRunner,
} from '@internal/platform';
import { runId, s3Client, testbed } from '@internal/testbed';
import { archiveBucket } from './archive';

jest.setTimeout(180_000);

describe('yarn archive on the testbed', () => {
  const tb = testbed();
  const s3 = s3Client(tb);
  const id = runId();
  const prefix = `archive-it-${id}`;
  let bucket: string;
  let source: string;
  const files: Record<string, Buffer> = {
    'notes.txt': Buffer.from(`OneDrive export ${id}\n`),
    'mail/2025/inbox.mbox': Buffer.from(
      `From: ops@uyoop.fr\n${'x'.repeat(5000)}\n`,
    ),
    'scan.pdf': randomBytes(200_000),
  };

  /** `yarn archive ...` as a user runs it, with the DRP's S3 settings. */
  const archive = (...args: string[]) =>
    zxRunner.run(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [join(repoRoot, 'scripts', 'archive.ts'), ...args],
      {
        cwd: repoRoot,
        allowFail: true,
        timeoutMs: 120_000,
        env: {
          DRP_S3_ENDPOINT: tb.s3.endpoint,
          DRP_S3_REGION: tb.s3.region,
          AWS_ACCESS_KEY_ID: tb.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: tb.s3.secretAccessKey,
        },
      },
    );
  const keysUnder = async (p: string) =>
    (
      (
        await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: `${p}/` }),
        )
      ).Contents ?? []
    )
      .map(o => o.Key!)
      .sort();
  const body = async (key: string) =>
    Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      ).Body!.transformToByteArray(),
    );

  beforeAll(async () => {
    const platform = await loadPlatform();
    bucket = archiveBucket(platform);
    // The bucket as `yarn backup buckets` makes it (a testbed started before it had one has none).
    const [result] = await applyBucketSettings(
      s3,
      platform.buckets.filter(b => b.name === bucket),
    );
    expect(result.error).toBeUndefined();
    source = await mkdtemp(join(tmpdir(), 'uyoop-archive-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(source, path, '..'), { recursive: true });
      await writeFile(join(source, path), content);
    }
  });

  afterAll(async () => {
    for (const p of [prefix, `${prefix}-dry`, `${prefix}-missing`]) {
      const keys = await keysUnder(p).catch(() => []);
      if (keys.length)
        await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.map(Key => ({ Key })) },
          }),
        );
    }
    await rm(source, { recursive: true, force: true });
    s3.destroy();
  });

  it('a dry run lists the files and copies none', async () => {
    const r = await archive(
      source,
      '--prefix',
      `${prefix}-dry`,
      '--dry-run',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files.sort()).toEqual(
      Object.keys(files).sort(),
    );
    expect(await keysUnder(`${prefix}-dry`)).toEqual([]);
  });

  it('copies every file, in its subfolder, byte for byte, and the check finds them identical', async () => {
    const r = await archive(source, '--prefix', prefix, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      destination: `s3://${bucket}/${prefix}`,
      bytes: Object.values(files).reduce((n, b) => n + b.length, 0),
      matching: 3,
      comparedBy: 'checksum',
      differences: [],
    });
    expect(report.files.sort()).toEqual(Object.keys(files).sort());
    expect(await keysUnder(prefix)).toEqual(
      Object.keys(files)
        .map(f => `${prefix}/${f}`)
        .sort(),
    );
    for (const [path, content] of Object.entries(files))
      expect((await body(`${prefix}/${path}`)).equals(content)).toBe(true);
    expect(r.stdout).not.toContain(tb.s3.secretAccessKey);
  });

  it('a second run copies no file', async () => {
    const r = await archive(source, '--prefix', prefix);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `0 files copied (0 B) from ${source} to s3://${bucket}/${prefix}\n` +
        'check (checksums): 3 identical, 0 different\n',
    );
  });

  it('an object changed in S3 behind rclone (same size and time) fails the check with exit 1, naming it', async () => {
    const key = `${prefix}/mail/2025/inbox.mbox`;
    const original = files['mail/2025/inbox.mbox'];
    // rclone keeps the file's time in the object's metadata: keep it, so that only a checksum tells.
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key }),
    );
    const altered = Buffer.from(original);
    altered[altered.length - 2] = 'y'.charCodeAt(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: altered,
        Metadata: head.Metadata,
      }),
    );
    expect((await stat(join(source, 'mail/2025/inbox.mbox'))).size).toBe(
      altered.length,
    );

    const r = await archive(source, '--prefix', prefix);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('check (checksums): 2 identical, 1 different');
    expect(r.stdout).toContain('  mail/2025/inbox.mbox: differs');
  });

  it('a missing SOURCE is a clear error, exit 1, and nothing lands in S3', async () => {
    const missing = join(source, 'not-there');
    const r = await archive(missing, '--prefix', `${prefix}-missing`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `archive: ${missing} does not exist: SOURCE is a local folder or an rclone remote path such as onedrive:Documents`,
    );
    expect(await keysUnder(`${prefix}-missing`)).toEqual([]);
  });
});
