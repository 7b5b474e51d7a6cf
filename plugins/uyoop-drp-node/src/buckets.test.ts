/*
 * S3 that cannot be reached, against a loopback port nothing listens on: a
 * ServiceUnavailableError (the backend's 503) that names what to check, and
 * in the preflight a finding on each bucket rather than a crash.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceUnavailableError } from '@backstage/errors';
import { readBucket } from './buckets';
import { engineOn, FakeCluster } from './testUtils';

const unreachableS3 = () =>
  new S3Client({
    endpoint: 'http://127.0.0.1:1',
    region: 'gra',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });

describe('S3 that cannot be reached', () => {
  it('is a 503 naming the endpoint and the network to check', async () => {
    const s3 = unreachableS3();
    try {
      const error = await readBucket(s3, 'backups-locked').catch(e => e);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toMatch(
        /^S3 cannot be reached: .*ECONNREFUSED.*\(check the S3 endpoint and the network\)$/,
      );
    } finally {
      s3.destroy();
    }
  });

  it('fails the preflight with a finding on each backup bucket', async () => {
    const s3 = unreachableS3();
    try {
      const { engine } = await engineOn(new FakeCluster(), { s3 });
      const r = await engine.preflight();
      expect(r.ok).toBe(false);
      const buckets = r.findings.filter(f => f.area === 'bucket');
      expect(buckets.map(f => f.subject)).toEqual([
        'bucket velero-backups',
        'bucket backups-locked',
      ]);
      buckets.forEach(f =>
        expect(f.message).toMatch(/^S3 cannot be reached: /),
      );
    } finally {
      s3.destroy();
    }
  });
});
