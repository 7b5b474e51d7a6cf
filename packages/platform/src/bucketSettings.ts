/**
 * Tier-2 storage as code: each s3-bucket of the catalog made real on S3.
 * Created when missing (with Object Lock when the catalog locks it),
 * versioned when locked, with the catalog's default retention and lifecycle.
 * Each bucket's state is read first and the changes planned from it, so a
 * dry run shows exactly what an apply would do, and a second apply changes
 * nothing.
 */
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
  TransitionStorageClass,
} from '@aws-sdk/client-s3';
import { s3LockMode } from './backupBuckets';
import type { Bucket } from './model';

/** One lifecycle rule, in a form that compares equal when S3 would act the same. */
export interface LifecycleRuleSpec {
  id: string;
  /** Key prefix the rule applies to; '' for the whole bucket. */
  prefix: string;
  enabled: boolean;
  /** Current objects expire this many days after they were written. */
  expireDays?: number;
  /** Current objects move to `transitionClass` this many days after they were written. */
  transitionDays?: number;
  transitionClass?: string;
  /** Noncurrent versions are deleted this many days after they stop being current. */
  noncurrentExpireDays?: number;
  /** Delete markers left with no version behind them are removed. */
  expiredDeleteMarkers?: boolean;
  /** Parts of the rule the catalog never writes (tags, transitions, dates...), by name. */
  extras?: string[];
}

/** What S3 has for a bucket, as far as the catalog has a say. */
export interface BucketSettingsState {
  exists: boolean;
  /** `Enabled`, `Suspended`, or undefined when versioning was never turned on. */
  versioning?: string;
  /** Whether the bucket was created with Object Lock (S3 cannot add it later). */
  objectLock: boolean;
  /** The default retention of new object versions. */
  retention?: { mode: string; days: number };
  lifecycle: LifecycleRuleSpec[];
}

/** A change to one bucket, and its description for people. */
export type BucketChange = { description: string } & (
  | { kind: 'create'; objectLock: boolean }
  | { kind: 'versioning' }
  | { kind: 'retention'; mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number }
  | { kind: 'lifecycle'; rules: LifecycleRuleSpec[] }
);

/** What must change on one bucket, or why it cannot be brought to what the catalog says. */
export interface BucketPlan {
  bucket: string;
  changes: BucketChange[];
  error?: string;
}

export interface BucketResult {
  bucket: string;
  status: 'created' | 'changed' | 'unchanged' | 'error';
  /** The changes made, or those a dry run would make. */
  changes: string[];
  error?: string;
}

/** The lifecycle rules the catalog asks of a bucket, sorted by id. */
export function lifecycleRulesOf(bucket: Bucket): LifecycleRuleSpec[] {
  const rules: LifecycleRuleSpec[] = [];
  if (bucket.expireDays)
    rules.push({
      id: 'expire-current',
      prefix: '',
      enabled: true,
      expireDays: bucket.expireDays,
    });
  if (bucket.transition)
    rules.push({
      id: 'transition-current',
      prefix: '',
      enabled: true,
      transitionDays: bucket.transition.days,
      transitionClass: bucket.transition.storageClass,
    });
  if (bucket.noncurrentExpireDays)
    rules.push({
      id: 'expire-noncurrent',
      prefix: '',
      enabled: true,
      noncurrentExpireDays: bucket.noncurrentExpireDays,
      expiredDeleteMarkers: true,
    });
  return rules;
}

/** A lifecycle rule as S3 returns it, reduced to what the catalog compares. */
export function lifecycleRuleSpec(rule: LifecycleRule): LifecycleRuleSpec {
  const extras: string[] = [];
  const filter = rule.Filter ?? {};
  for (const key of Object.keys(filter) as (keyof typeof filter)[])
    if (key !== 'Prefix' && filter[key] !== undefined)
      extras.push(`filter ${key}`);
  if (rule.Expiration?.Date) extras.push('expiration date');
  const transitions = rule.Transitions ?? [];
  const [transition] = transitions;
  const oneTransition =
    transitions.length === 1 &&
    !!transition.Days &&
    !!transition.StorageClass &&
    !transition.Date;
  if (transitions.length && !oneTransition) extras.push('transitions');
  if (rule.NoncurrentVersionTransitions?.length)
    extras.push('noncurrent transitions');
  if (rule.NoncurrentVersionExpiration?.NewerNoncurrentVersions)
    extras.push('newer noncurrent versions kept');
  if (rule.AbortIncompleteMultipartUpload) extras.push('multipart abort');
  return clean({
    id: rule.ID ?? '',
    prefix: filter.Prefix ?? rule.Prefix ?? '',
    enabled: rule.Status === 'Enabled',
    expireDays: rule.Expiration?.Days,
    transitionDays: oneTransition ? transition.Days : undefined,
    transitionClass: oneTransition ? transition.StorageClass : undefined,
    noncurrentExpireDays: rule.NoncurrentVersionExpiration?.NoncurrentDays,
    expiredDeleteMarkers:
      rule.Expiration?.ExpiredObjectDeleteMarker || undefined,
    extras: extras.length ? extras : undefined,
  });
}

/** The S3 form of a rule of the catalog. */
export function s3LifecycleRule(rule: LifecycleRuleSpec): LifecycleRule {
  return {
    ID: rule.id,
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    Filter: { Prefix: rule.prefix },
    ...(rule.expireDays
      ? { Expiration: { Days: rule.expireDays } }
      : rule.expiredDeleteMarkers
      ? { Expiration: { ExpiredObjectDeleteMarker: true } }
      : {}),
    ...(rule.transitionDays && rule.transitionClass
      ? {
          Transitions: [
            {
              Days: rule.transitionDays,
              StorageClass: rule.transitionClass as TransitionStorageClass,
            },
          ],
        }
      : {}),
    ...(rule.noncurrentExpireDays
      ? {
          NoncurrentVersionExpiration: {
            NoncurrentDays: rule.noncurrentExpireDays,
          },
        }
      : {}),
  };
}

const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const sameRules = (a: LifecycleRuleSpec[], b: LifecycleRuleSpec[]) => {
  const key = (rules: LifecycleRuleSpec[]) =>
    JSON.stringify(
      [...rules]
        .sort((x, y) => x.id.localeCompare(y.id))
        .map(r =>
          Object.entries(clean(r)).sort(([k1], [k2]) => k1.localeCompare(k2)),
        ),
    );
  return key(a) === key(b);
};

/** One rule, for people: `current objects expire after 3650 days`. */
export function describeRule(rule: LifecycleRuleSpec): string {
  const parts: string[] = [];
  if (rule.expireDays)
    parts.push(`current objects expire after ${days(rule.expireDays)}`);
  if (rule.transitionDays)
    parts.push(
      `current objects move to ${rule.transitionClass} after ${days(
        rule.transitionDays,
      )}`,
    );
  if (rule.noncurrentExpireDays)
    parts.push(
      `noncurrent versions expire ${days(
        rule.noncurrentExpireDays,
      )} after they stop being current`,
    );
  if (rule.expiredDeleteMarkers) parts.push('lone delete markers removed');
  if (rule.extras) parts.push(`with ${rule.extras.join(', ')}`);
  if (!parts.length) parts.push(`rule ${rule.id || '(no id)'}`);
  if (rule.prefix) parts.push(`under "${rule.prefix}"`);
  if (!rule.enabled) parts.push('(disabled)');
  return parts.join(', ');
}

const describeRules = (rules: LifecycleRuleSpec[]) =>
  rules.length ? rules.map(describeRule).join('; ') : 'none';

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;

const describeRetention = (r?: { mode: string; days: number }) =>
  r ? `${r.mode} ${days(r.days)}` : 'none';

/**
 * What must change for `current` to become what the catalog says of
 * `bucket`. Object Lock can only be chosen when a bucket is created, so a
 * bucket whose lock differs from the catalog is an error and gets no change.
 */
export function planBucketSettings(
  bucket: Bucket,
  current: BucketSettingsState,
): BucketPlan {
  const mode = s3LockMode(bucket);
  const plan: BucketPlan = { bucket: bucket.name, changes: [] };
  if (current.exists && mode && !current.objectLock)
    return {
      ...plan,
      error:
        `${bucket.name} exists without Object Lock, and S3 can only turn Object Lock on when a ` +
        `bucket is created; the catalog says ${mode} ${days(
          bucket.retentionDays!,
        )}. Create a new ` +
        `bucket with Object Lock, copy the objects to it and put its name in catalog/storage.yaml ` +
        `(or, if ${bucket.name} is empty, delete it and apply again). Nothing was changed on it.`,
    };
  if (current.exists && !mode && current.objectLock)
    return {
      ...plan,
      error:
        `${bucket.name} has Object Lock, which S3 cannot turn off, and the catalog says it is ` +
        `unlocked (Velero, for one, cannot write to a locked bucket). Create a new bucket without ` +
        `Object Lock and put its name in catalog/storage.yaml, or lock it in the catalog. Nothing ` +
        `was changed on it.`,
    };
  if (!current.exists)
    plan.changes.push({
      kind: 'create',
      objectLock: !!mode,
      description: mode
        ? 'create the bucket with Object Lock'
        : 'create the bucket',
    });
  if (mode) {
    if (current.versioning !== 'Enabled')
      plan.changes.push({
        kind: 'versioning',
        description: current.exists
          ? `enable versioning (was ${current.versioning ?? 'never enabled'})`
          : 'enable versioning',
      });
    const retention = bucket.retentionDays!;
    if (
      current.retention?.mode !== mode ||
      current.retention.days !== retention
    )
      plan.changes.push({
        kind: 'retention',
        mode,
        days: retention,
        description: `default retention ${mode} ${days(retention)}${
          current.exists ? ` (was ${describeRetention(current.retention)})` : ''
        }`,
      });
  }
  const rules = lifecycleRulesOf(bucket);
  if (!sameRules(rules, current.lifecycle) && (current.exists || rules.length))
    plan.changes.push({
      kind: 'lifecycle',
      rules,
      description: `lifecycle: ${describeRules(rules)}${
        current.exists ? ` (was ${describeRules(current.lifecycle)})` : ''
      }`,
    });
  return plan;
}

const httpStatus = (e: unknown) =>
  (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** Connection errors, as opposed to answers of the server: no bucket can be handled then. */
const isNetworkError = (e: unknown) => {
  const err = e as
    | { code?: string; name?: string; message?: string }
    | undefined;
  return /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|socket hang up|TimeoutError|getaddrinfo/i.test(
    `${err?.code ?? ''} ${err?.name ?? ''} ${err?.message ?? ''}`,
  );
};

const describeS3Error = (e: unknown) => {
  const err = e as { name?: string; message?: string; Code?: string };
  const name = err?.Code ?? err?.name ?? 'Error';
  return err?.message && err.message !== name
    ? `${name}: ${err.message}`
    : name;
};

/** Reads what S3 has for a bucket: existence, versioning, Object Lock, lifecycle. */
export async function readBucketSettings(
  s3: S3Client,
  name: string,
): Promise<BucketSettingsState> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (e) {
    if (httpStatus(e) === 404)
      return { exists: false, objectLock: false, lifecycle: [] };
    throw e;
  }
  const versioning = (
    await s3.send(new GetBucketVersioningCommand({ Bucket: name }))
  ).Status;
  // Both answer 404 when the bucket has no such configuration.
  const notConfigured = (e: unknown) => {
    if (httpStatus(e) === 404) return undefined;
    throw e;
  };
  const lock = await s3
    .send(new GetObjectLockConfigurationCommand({ Bucket: name }))
    .catch(notConfigured);
  const lifecycle = await s3
    .send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }))
    .catch(notConfigured);
  const rule = lock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
  const retention = rule?.Days ?? (rule?.Years ? rule.Years * 365 : undefined);
  return {
    exists: true,
    versioning,
    objectLock: lock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
    ...(rule?.Mode && retention
      ? { retention: { mode: rule.Mode, days: retention } }
      : {}),
    lifecycle: (lifecycle?.Rules ?? []).map(lifecycleRuleSpec),
  };
}

async function applyChange(s3: S3Client, bucket: string, change: BucketChange) {
  switch (change.kind) {
    case 'create':
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(change.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
        }),
      );
      return;
    case 'versioning':
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
      return;
    case 'retention':
      await s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            Rule: {
              DefaultRetention: { Mode: change.mode, Days: change.days },
            },
          },
        }),
      );
      return;
    case 'lifecycle':
      if (!change.rules.length)
        await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
      else
        await s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: bucket,
            LifecycleConfiguration: {
              Rules: change.rules.map(s3LifecycleRule),
            },
          }),
        );
      return;
    default:
      throw new Error(
        `unknown change ${(change satisfies never as BucketChange).kind}`,
      );
  }
}

/**
 * Brings each bucket to what the catalog says, one after the other. A bucket
 * in error (its lock cannot be fixed in place, S3 refused a change) is
 * reported and the others are still handled; a connection error stops the
 * run, since no bucket can be handled then.
 */
export async function applyBucketSettings(
  s3: S3Client,
  buckets: Bucket[],
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<BucketResult[]> {
  const results: BucketResult[] = [];
  for (const bucket of buckets) {
    let plan: BucketPlan;
    try {
      plan = planBucketSettings(
        bucket,
        await readBucketSettings(s3, bucket.name),
      );
    } catch (e) {
      if (isNetworkError(e)) throw unreachable(e);
      results.push({
        bucket: bucket.name,
        status: 'error',
        changes: [],
        error: `${bucket.name} cannot be read: ${describeS3Error(e)}`,
      });
      continue;
    }
    if (plan.error) {
      results.push({
        bucket: bucket.name,
        status: 'error',
        changes: [],
        error: plan.error,
      });
      continue;
    }
    const done: string[] = [];
    let error: string | undefined;
    for (const change of plan.changes) {
      if (dryRun) {
        done.push(change.description);
        continue;
      }
      try {
        await applyChange(s3, bucket.name, change);
        done.push(change.description);
      } catch (e) {
        if (isNetworkError(e)) throw unreachable(e);
        error = `${bucket.name}: S3 refused "${
          change.description
        }": ${describeS3Error(e)}`;
        break;
      }
    }
    results.push({
      bucket: bucket.name,
      status: error
        ? 'error'
        : !done.length
        ? 'unchanged'
        : plan.changes[0].kind === 'create'
        ? 'created'
        : 'changed',
      changes: done,
      ...(error ? { error } : {}),
    });
  }
  return results;
}

const unreachable = (e: unknown) =>
  new Error(
    `S3 cannot be reached: ${describeS3Error(
      e,
    )} (check the S3 endpoint and the network)`,
  );

/** The results for a terminal, one block per bucket. */
export function formatBucketResults(
  results: BucketResult[],
  { dryRun = false }: { dryRun?: boolean } = {},
): string {
  const verb: Record<BucketResult['status'], string> = dryRun
    ? {
        created: 'would be created',
        changed: 'would change',
        unchanged: 'unchanged',
        error: 'ERROR',
      }
    : {
        created: 'created',
        changed: 'changed',
        unchanged: 'unchanged',
        error: 'ERROR',
      };
  return results
    .map(r =>
      [
        `${r.bucket}: ${verb[r.status]}`,
        ...r.changes.map(c => `  - ${c}`),
        ...(r.error ? [`  ${r.error}`] : []),
      ].join('\n'),
    )
    .join('\n');
}
