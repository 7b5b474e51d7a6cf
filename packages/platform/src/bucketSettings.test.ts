import {
  BucketSettingsState,
  formatBucketResults,
  lifecycleRulesOf,
  lifecycleRuleSpec,
  planBucketSettings,
  s3LifecycleRule,
} from './bucketSettings';
import { loadPlatform } from './load';
import type { Bucket } from './model';
import { validateAnnotations } from './validate';

const locked: Bucket = {
  name: 'backups-locked',
  title: 'Immutable backups',
  system: 'backup-dr',
  owner: 'drp-admins',
  objectLock: 'compliance',
  retentionDays: 30,
  noncurrentExpireDays: 30,
};
const archives: Bucket = {
  name: 'archives',
  title: 'Archives',
  system: 'collaboration',
  owner: 'admins',
  objectLock: 'none',
  expireDays: 3650,
  transition: { days: 30, storageClass: 'STANDARD_IA' },
};
const plain: Bucket = {
  ...archives,
  name: 'velero-backups',
  expireDays: undefined,
  transition: undefined,
};

const missing: BucketSettingsState = {
  exists: false,
  objectLock: false,
  lifecycle: [],
};
/** A bucket exactly as the catalog wants `b`. */
const asCatalog = (b: Bucket): BucketSettingsState => ({
  exists: true,
  objectLock: b.objectLock !== 'none',
  ...(b.objectLock !== 'none'
    ? {
        versioning: 'Enabled',
        retention: { mode: b.objectLock.toUpperCase(), days: b.retentionDays! },
      }
    : {}),
  lifecycle: lifecycleRulesOf(b),
});
const descriptions = (b: Bucket, s: BucketSettingsState) =>
  planBucketSettings(b, s).changes.map(c => c.description);

describe('bucket settings planned from the catalog', () => {
  it('a missing locked bucket is created with Object Lock, versioned, with its retention and its lifecycle', () => {
    const plan = planBucketSettings(locked, missing);
    expect(plan.error).toBeUndefined();
    expect(plan.changes.map(c => c.kind)).toEqual([
      'create',
      'versioning',
      'retention',
      'lifecycle',
    ]);
    expect(plan.changes[0]).toMatchObject({ kind: 'create', objectLock: true });
    expect(plan.changes.map(c => c.description)).toEqual([
      'create the bucket with Object Lock',
      'enable versioning',
      'default retention COMPLIANCE 30 days',
      'lifecycle: noncurrent versions expire 30 days after they stop being current, lone delete markers removed',
    ]);
  });

  it('a missing unlocked bucket without lifecycle is only created, without Object Lock', () => {
    const plan = planBucketSettings(plain, missing);
    expect(plan.changes).toEqual([
      { kind: 'create', objectLock: false, description: 'create the bucket' },
    ]);
  });

  it.each([
    ['locked backup', locked],
    ['archive', archives],
    ['plain', plain],
  ])(
    'a %s bucket already as the catalog says has nothing to change',
    (_, b) => {
      expect(planBucketSettings(b, asCatalog(b))).toEqual({
        bucket: b.name,
        changes: [],
      });
    },
  );

  it('the same rules in another order, as S3 may list them, are no change', () => {
    const both = { ...locked, expireDays: 400 };
    const state = asCatalog(both);
    state.lifecycle.reverse();
    expect(descriptions(both, state)).toEqual([]);
  });

  it('a drifted retention is set back, saying what it was', () => {
    const state = asCatalog(locked);
    state.retention = { mode: 'GOVERNANCE', days: 1 };
    const plan = planBucketSettings(locked, state);
    expect(plan.changes).toEqual([
      {
        kind: 'retention',
        mode: 'COMPLIANCE',
        days: 30,
        description:
          'default retention COMPLIANCE 30 days (was GOVERNANCE 1 day)',
      },
    ]);
  });

  it('a locked bucket without a default retention gets one', () => {
    const state = asCatalog(locked);
    delete state.retention;
    expect(descriptions(locked, state)).toEqual([
      'default retention COMPLIANCE 30 days (was none)',
    ]);
  });

  it('suspended versioning on a locked bucket is enabled again', () => {
    expect(
      descriptions(locked, { ...asCatalog(locked), versioning: 'Suspended' }),
    ).toEqual(['enable versioning (was Suspended)']);
  });

  it('a lifecycle with other days or another class is replaced by the catalog one', () => {
    const state = asCatalog(archives);
    state.lifecycle[0].expireDays = 7;
    state.lifecycle[1].transitionClass = 'GLACIER';
    expect(descriptions(archives, state)).toEqual([
      'lifecycle: current objects expire after 3650 days; current objects move to STANDARD_IA after 30 days ' +
        '(was current objects expire after 7 days; current objects move to GLACIER after 30 days)',
    ]);
  });

  it('a rule the catalog does not write (a tag filter, two transitions) counts as a difference', () => {
    const state = asCatalog(plain);
    state.lifecycle = [
      lifecycleRuleSpec({
        ID: 'by-hand',
        Status: 'Enabled',
        Filter: { Tag: { Key: 'tmp', Value: '1' } },
        Transitions: [
          { Days: 30, StorageClass: 'STANDARD_IA' },
          { Days: 90, StorageClass: 'GLACIER' },
        ],
      }),
    ];
    expect(descriptions(plain, state)).toEqual([
      'lifecycle: none (was with filter Tag, transitions)',
    ]);
  });

  it('lifecycle rules on a bucket whose catalog entry has none are removed', () => {
    const state = {
      ...asCatalog(plain),
      lifecycle: lifecycleRulesOf(archives),
    };
    const plan = planBucketSettings(plain, state);
    expect(plan.changes).toEqual([
      {
        kind: 'lifecycle',
        rules: [],
        description:
          'lifecycle: none (was current objects expire after 3650 days; current objects move to STANDARD_IA after 30 days)',
      },
    ]);
  });

  it('an existing bucket without Object Lock that the catalog locks is an error naming the bucket and what to do, with no change', () => {
    const plan = planBucketSettings(locked, {
      exists: true,
      objectLock: false,
      lifecycle: [],
    });
    expect(plan.changes).toEqual([]);
    expect(plan.error).toMatch(/^backups-locked exists without Object Lock/);
    expect(plan.error).toContain('COMPLIANCE 30 days');
    expect(plan.error).toContain('Create a new bucket with Object Lock');
  });

  it('an existing locked bucket that the catalog leaves unlocked is an error, with no change', () => {
    const plan = planBucketSettings(plain, {
      ...asCatalog(locked),
      lifecycle: [],
    });
    expect(plan.changes).toEqual([]);
    expect(plan.error).toMatch(
      /^velero-backups has Object Lock, which S3 cannot turn off/,
    );
  });
});

describe('lifecycle rules in S3 form', () => {
  it('round-trip: what S3 returns for the rules written compares equal to the catalog', () => {
    for (const b of [locked, archives]) {
      const rules = lifecycleRulesOf(b);
      expect(rules.map(s3LifecycleRule).map(lifecycleRuleSpec)).toEqual(rules);
    }
  });

  it('noncurrent versions expire with the lone delete markers, over the whole bucket', () => {
    expect(lifecycleRulesOf(locked).map(s3LifecycleRule)).toEqual([
      {
        ID: 'expire-noncurrent',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        Expiration: { ExpiredObjectDeleteMarker: true },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      },
    ]);
  });
});

describe('bucket results for a terminal', () => {
  const results = [
    { bucket: 'a', status: 'created' as const, changes: ['create the bucket'] },
    { bucket: 'b', status: 'unchanged' as const, changes: [] },
    {
      bucket: 'c',
      status: 'error' as const,
      changes: [],
      error: 'c exists without Object Lock',
    },
  ];
  it('say what was done, and what a dry run would do', () => {
    expect(formatBucketResults(results)).toBe(
      'a: created\n  - create the bucket\nb: unchanged\nc: ERROR\n  c exists without Object Lock',
    );
    expect(formatBucketResults(results, { dryRun: true })).toMatch(
      /^a: would be created\n/,
    );
  });
});

describe('lifecycle annotations in the catalog', () => {
  const bucketEntity = (annotations: Record<string, string>) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'b',
      annotations: {
        'uyoop.io/provider': 'ovhcloud',
        'uyoop.io/region': 'gra',
        ...annotations,
      },
    },
    spec: { type: 's3-bucket', owner: 'admins', system: 'backup-dr' },
  });

  it('the archives move to a colder class after a month and expire after ten years; the locked backups shed old versions once unlocked', async () => {
    const { buckets } = await loadPlatform();
    expect(buckets.find(b => b.name === 'archives')).toMatchObject({
      expireDays: 3650,
      transition: { days: 30, storageClass: 'STANDARD_IA' },
    });
    const backups = buckets.find(b => b.name === 'backups-locked')!;
    expect(backups.noncurrentExpireDays).toBeGreaterThanOrEqual(
      backups.retentionDays!,
    );
  });

  it('noncurrent versions cannot expire before their lock ends', () => {
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'compliance',
          'uyoop.io/retention-days': '30',
          'uyoop.io/noncurrent-expire-days': '7',
        }),
      ),
    ).toEqual([
      {
        field: 'metadata.annotations["uyoop.io/noncurrent-expire-days"]',
        message:
          'must be at least uyoop.io/retention-days: a version is only deleted once its lock has ended',
      },
    ]);
  });

  it('an unlocked bucket has no noncurrent versions to expire', () => {
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'none',
          'uyoop.io/noncurrent-expire-days': '30',
        }),
      ),
    ).toEqual([
      expect.objectContaining({
        message:
          'only a locked bucket is versioned, an unlocked one has no noncurrent versions',
      }),
    ]);
  });

  it('a transition names both its days and a known storage class', () => {
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'none',
          'uyoop.io/transition-days': '30',
        }),
      ),
    ).toEqual([
      {
        field: 'metadata.annotations["uyoop.io/transition-class"]',
        message: 'a transition needs both its days and its storage class',
      },
    ]);
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'none',
          'uyoop.io/transition-days': '30',
          'uyoop.io/transition-class': 'COLD',
        }),
      ),
    ).toEqual([
      expect.objectContaining({
        field: 'metadata.annotations["uyoop.io/transition-class"]',
        message: expect.stringContaining('STANDARD_IA'),
      }),
    ]);
  });

  it('objects move to the colder class before they expire, not after', () => {
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'none',
          'uyoop.io/expire-days': '30',
          'uyoop.io/transition-days': '30',
          'uyoop.io/transition-class': 'GLACIER',
        }),
      ),
    ).toEqual([
      {
        field: 'metadata.annotations["uyoop.io/transition-days"]',
        message:
          'must be fewer than uyoop.io/expire-days: objects move before they expire',
      },
    ]);
  });

  it('days are positive whole numbers', () => {
    expect(
      validateAnnotations(
        bucketEntity({
          'uyoop.io/object-lock': 'none',
          'uyoop.io/expire-days': '0',
        }),
      ),
    ).toEqual([
      {
        field: 'metadata.annotations["uyoop.io/expire-days"]',
        message: 'expected a positive whole number, as a string',
      },
    ]);
  });
});
