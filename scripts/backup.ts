/**
 * `tsx scripts/backup.ts buckets [--dry-run] [--json]`: every s3-bucket of
 * catalog/ made as catalog/storage.yaml says (created when missing, Object
 * Lock, versioning, default retention, lifecycle), through
 * `applyBucketSettings` in packages/platform. S3 from the DRP's settings:
 * DRP_S3_ENDPOINT, DRP_S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
 * Exit codes: 0 done, 1 a bucket in error (or S3 unreachable), 2 bad usage.
 */
import {
  applyBucketSettings,
  commandLineOrExit,
  consoleIO,
  formatBucketResults,
  loadPlatform,
  runCli,
  usageFailure,
} from '@internal/platform';
import { readDrpSettings, s3ClientFor } from '@internal/plugin-uyoop-drp-node';

const usage = `usage: yarn backup buckets [--dry-run] [--json]

  buckets   create every s3-bucket of catalog/ that is missing and set its Object
            Lock, versioning, default retention and lifecycle as the catalog says;
            a bucket whose lock differs from the catalog is reported, not changed
  --dry-run print the changes, make none
  --json    the result per bucket as JSON

S3: DRP_S3_ENDPOINT, DRP_S3_REGION (default gra), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
Exit codes: 0 done, 1 a bucket in error, 2 bad usage.`;

const { values, positionals } = commandLineOrExit(
  process.argv.slice(2),
  { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  usage,
);
if (positionals.join(' ') !== 'buckets') {
  usageFailure(
    consoleIO,
    positionals.length
      ? `unknown command "${positionals.join(' ')}"`
      : 'a command is required',
    usage,
  );
  process.exit(2);
}

runCli(
  async io => {
    const s3 = s3ClientFor(readDrpSettings(undefined));
    if (!s3) {
      io.err(
        'backup: S3 is not configured: set DRP_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
      return 1;
    }
    const dryRun = !!values['dry-run'];
    try {
      const { buckets } = await loadPlatform();
      const results = await applyBucketSettings(s3, buckets, { dryRun });
      io.out(
        values.json
          ? JSON.stringify({ dryRun, buckets: results }, null, 2)
          : formatBucketResults(results, { dryRun }),
      );
      return results.some(r => r.status === 'error') ? 1 : 0;
    } finally {
      s3.destroy();
    }
  },
  error => `backup: ${error instanceof Error ? error.message : error}`,
);
