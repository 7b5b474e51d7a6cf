/*
 * The catalog's bucket settings applied to the testbed's S3 (radosgw with
 * Object Lock): copies of the catalog's buckets under names of this run are
 * created with versioning, lock and lifecycle as catalog/storage.yaml says,
 * a second apply changes nothing, drift is corrected, and a bucket whose lock
 * cannot be fixed in place is reported and left alone.
 */
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectLockConfigurationCommand,
} from '@aws-sdk/client-s3';
import {
  applyBucketSettings,
  Bucket,
  loadPlatform,
  repoRoot,
  zxRunner,
} from '@internal/platform';
import { runId, s3Client, testbed } from '.';

jest.setTimeout(120_000);

const status = (e: unknown) =>
  (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe("the catalog's buckets applied to S3", () => {
  const tb = testbed();
  const s3 = s3Client(tb);
  const id = runId();
  let catalog: Bucket[];
  /** The catalog's buckets under names of this run. */
  let ours: Bucket[];
  const named = (prefix: string) => ours.find(b => b.name.startsWith(prefix))!;
  const unlockedByMistake = `backups-unlocked-${id}`;
  const created: string[] = [];

  const exists = (bucket: string) =>
    s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
      () => true,
      e => {
        if (status(e) === 404) return false;
        throw e;
      },
    );
  const lockOf = (bucket: string) =>
    s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })).then(
      r => r.ObjectLockConfiguration,
      e => `none (${status(e)})`,
    );
  const lifecycleOf = (bucket: string) =>
    s3
      .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
      .then(
        r => r.Rules,
        e => `none (${status(e)})`,
      );
  const versioningOf = async (bucket: string) =>
    (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;

  beforeAll(async () => {
    catalog = (await loadPlatform()).buckets;
    ours = catalog.map(b => ({ ...b, name: `${b.name}-${id}` }));
    created.push(...ours.map(b => b.name), unlockedByMistake);
  });

  afterAll(async () => {
    // Every bucket of this run is empty: even a COMPLIANCE-locked one can be deleted.
    for (const bucket of created)
      await s3
        .send(new DeleteBucketCommand({ Bucket: bucket }))
        .catch(() => undefined);
    s3.destroy();
  });

  it('a dry run on missing buckets lists their creation and creates none', async () => {
    const results = await applyBucketSettings(s3, ours, { dryRun: true });
    expect(results.map(r => r.status)).toEqual(ours.map(() => 'created'));
    const locked = results.find(
      r => r.bucket === named('backups-locked').name,
    )!;
    expect(locked.changes).toEqual([
      'create the bucket with Object Lock',
      'enable versioning',
      'default retention COMPLIANCE 30 days',
      'lifecycle: noncurrent versions expire 30 days after they stop being current, lone delete markers removed',
    ]);
    for (const b of ours) expect(await exists(b.name)).toBe(false);
  });

  it('creates a fresh set with versioning, Object Lock and lifecycle as the catalog says', async () => {
    const results = await applyBucketSettings(s3, ours);
    expect(results.filter(r => r.status !== 'created')).toEqual([]);

    const locked = named('backups-locked').name;
    expect(await versioningOf(locked)).toBe('Enabled');
    expect(await lockOf(locked)).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } },
    });
    expect(await lifecycleOf(locked)).toEqual([
      expect.objectContaining({
        ID: 'expire-noncurrent',
        Status: 'Enabled',
        NoncurrentVersionExpiration: expect.objectContaining({
          NoncurrentDays: 30,
        }),
        Expiration: expect.objectContaining({
          ExpiredObjectDeleteMarker: true,
        }),
      }),
    ]);

    // radosgw takes a transition to any class name, and only its lifecycle worker finds out
    // whether the placement has it: what is proven here is the rule S3 keeps.
    const archives = named('archives').name;
    expect(await lifecycleOf(archives)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ID: 'expire-current',
          Status: 'Enabled',
          Expiration: expect.objectContaining({ Days: 3650 }),
        }),
        expect.objectContaining({
          ID: 'transition-current',
          Status: 'Enabled',
          Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }],
        }),
      ]),
    );
    expect(await lifecycleOf(archives)).toHaveLength(2);
    expect(await lockOf(archives)).toMatch(/^none/);

    const velero = named('velero-backups').name;
    expect(await lockOf(velero)).toMatch(/^none/);
    expect(await lifecycleOf(velero)).toMatch(/^none/);
    expect(await versioningOf(velero)).toBeUndefined();
  });

  it('a second apply reports every bucket unchanged', async () => {
    const results = await applyBucketSettings(s3, ours);
    expect(results).toEqual(
      ours.map(b => ({ bucket: b.name, status: 'unchanged', changes: [] })),
    );
  });

  it('a drifted retention and lifecycle are shown by a dry run, untouched, then set back', async () => {
    const locked = named('backups-locked').name;
    const archives = named('archives').name;
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: locked,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
        },
      }),
    );
    const drifted = await lockOf(locked);
    const before = await lifecycleOf(archives);

    const dry = await applyBucketSettings(s3, ours, { dryRun: true });
    expect(dry.find(r => r.bucket === locked)).toEqual({
      bucket: locked,
      status: 'changed',
      changes: ['default retention COMPLIANCE 30 days (was GOVERNANCE 1 day)'],
    });
    expect(await lockOf(locked)).toEqual(drifted);
    expect(await lifecycleOf(archives)).toEqual(before);

    const results = await applyBucketSettings(s3, ours);
    expect(results.filter(r => r.status !== 'unchanged')).toEqual([
      {
        bucket: locked,
        status: 'changed',
        changes: [
          'default retention COMPLIANCE 30 days (was GOVERNANCE 1 day)',
        ],
      },
    ]);
    expect(await lockOf(locked)).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } },
    });
  });

  it('an existing unlocked bucket the catalog locks is reported as an error and left as it was; the others are still set', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: unlockedByMistake }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: unlockedByMistake,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'by-hand',
              Status: 'Enabled',
              Filter: { Prefix: 'tmp/' },
              Expiration: { Days: 1 },
            },
          ],
        },
      }),
    );
    const lifecycle = await lifecycleOf(unlockedByMistake);
    const missing = { ...named('archives'), name: `archives-after-${id}` };
    created.push(missing.name);

    const results = await applyBucketSettings(s3, [
      { ...named('backups-locked'), name: unlockedByMistake },
      missing,
    ]);
    expect(results[0]).toMatchObject({
      bucket: unlockedByMistake,
      status: 'error',
      changes: [],
    });
    expect(results[0].error).toMatch(
      new RegExp(
        `^${unlockedByMistake} exists without Object Lock.*Create a new bucket with Object Lock`,
      ),
    );
    expect(results[1]).toMatchObject({
      bucket: missing.name,
      status: 'created',
    });

    expect(await versioningOf(unlockedByMistake)).toBeUndefined();
    expect(await lockOf(unlockedByMistake)).toMatch(/^none/);
    expect(await lifecycleOf(unlockedByMistake)).toEqual(lifecycle);
  });

  it('yarn backup buckets --dry-run --json, from the terminal: every catalog bucket, no change, no secret printed', async () => {
    const before = await Promise.all(catalog.map(b => exists(b.name)));
    const r = await zxRunner.run(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [
        join(repoRoot, 'scripts', 'backup.ts'),
        'buckets',
        '--dry-run',
        '--json',
      ],
      {
        cwd: repoRoot,
        allowFail: true,
        timeoutMs: 90_000,
        env: {
          DRP_S3_ENDPOINT: tb.s3.endpoint,
          DRP_S3_REGION: tb.s3.region,
          AWS_ACCESS_KEY_ID: tb.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: tb.s3.secretAccessKey,
        },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.buckets.map((b: { bucket: string }) => b.bucket)).toEqual(
      catalog.map(b => b.name),
    );
    expect(`${r.stdout}${r.stderr}`).not.toContain(tb.s3.secretAccessKey);
    expect(await Promise.all(catalog.map(b => exists(b.name)))).toEqual(before);
  });
});
