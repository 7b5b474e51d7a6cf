import {
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ServiceUnavailableError } from '@backstage/errors';
import { Bucket, s3LockMode } from '@internal/platform';
import type { Finding } from '@internal/plugin-uyoop-drp-common';

/** What S3 says about a bucket. */
export interface BucketState {
  name: string;
  reachable: boolean;
  error?: string;
  versioning?: string;
  lockMode?: string;
  retentionDays?: number;
}

/** Connection errors, as opposed to answers of the server (NoSuchBucket, AccessDenied). */
const isNetworkError = (e: any) =>
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|TimeoutError|getaddrinfo/i.test(
    `${e?.code ?? ''} ${e?.name ?? ''} ${e?.message ?? ''}`,
  );

const describeS3Error = (e: any) =>
  `${e?.name ?? 'Error'}${e?.message ? `: ${e.message}` : ''}`;

/** Reads a bucket's versioning and Object Lock configuration. */
export async function readBucket(
  s3: S3Client,
  name: string,
): Promise<BucketState> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (e) {
    if (isNetworkError(e)) throw unreachable(e);
    return { name, reachable: false, error: describeS3Error(e) };
  }
  const state: BucketState = { name, reachable: true };
  const v = await s3.send(new GetBucketVersioningCommand({ Bucket: name }));
  state.versioning = v.Status ?? 'Unversioned';
  try {
    const lock = await s3.send(
      new GetObjectLockConfigurationCommand({ Bucket: name }),
    );
    const rule = lock.ObjectLockConfiguration?.Rule?.DefaultRetention;
    state.lockMode = rule?.Mode;
    state.retentionDays =
      rule?.Days ?? (rule?.Years ? rule.Years * 365 : undefined);
  } catch (e) {
    if (isNetworkError(e)) throw unreachable(e);
    // ObjectLockConfigurationNotFoundError: the bucket is not locked.
  }
  return state;
}

/** The lock held by one object version, read with GetObjectRetention. */
export async function objectRetention(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<{ mode?: string; retainUntil?: string }> {
  try {
    const r = await s3.send(
      new GetObjectRetentionCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
      }),
    );
    return {
      mode: r.Retention?.Mode,
      retainUntil: r.Retention?.RetainUntilDate?.toISOString(),
    };
  } catch (e) {
    if (isNetworkError(e)) throw unreachable(e);
    return {};
  }
}

const unreachable = (e: unknown) =>
  new ServiceUnavailableError(
    `S3 cannot be reached: ${describeS3Error(
      e,
    )} (check the S3 endpoint and the network)`,
  );

/** Compares a bucket as S3 has it with what the catalog says it must be. */
export function judgeBucket(expected: Bucket, state: BucketState): Finding[] {
  const subject = `bucket ${expected.name}`;
  if (!state.reachable)
    return [
      {
        severity: 'error',
        area: 'bucket',
        subject,
        message: `cannot be read: ${state.error}`,
      },
    ];
  const findings: Finding[] = [];
  const mode = s3LockMode(expected);
  if (!mode) {
    if (state.lockMode)
      findings.push({
        severity: 'error',
        area: 'bucket',
        subject,
        message: `has Object Lock (${state.lockMode}), and Velero cannot write to a locked bucket (velero#8686)`,
      });
    return findings;
  }
  if (state.versioning !== 'Enabled')
    findings.push({
      severity: 'error',
      area: 'bucket',
      subject,
      message: `versioning is ${state.versioning}, Object Lock needs it Enabled`,
    });
  if (state.lockMode !== mode)
    findings.push({
      severity: 'error',
      area: 'bucket',
      subject,
      message: `default retention mode is ${
        state.lockMode ?? 'none'
      }, the catalog says ${mode}`,
    });
  if (state.retentionDays !== expected.retentionDays)
    findings.push({
      severity: 'error',
      area: 'bucket',
      subject,
      message: `default retention is ${
        state.retentionDays ?? 'none'
      } days, the catalog says ${expected.retentionDays}`,
    });
  return findings;
}
