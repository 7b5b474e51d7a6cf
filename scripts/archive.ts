/**
 * `tsx scripts/archive.ts SOURCE [--prefix NAME] [--dry-run] [--json]`: the
 * migration of OneDrive (or any folder) to the catalog's archives bucket with
 * rclone, then a checksum check of every file. Thin: the logic is
 * `archiveToS3` in plugins/uyoop-drp-node. S3 from the DRP's settings:
 * DRP_S3_ENDPOINT, DRP_S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
 * Exit codes: 0 copied and identical, 1 a difference or a failure, 2 bad usage.
 */
import {
  commandLineOrExit,
  consoleIO,
  loadPlatform,
  runCli,
  usageFailure,
  zxRunner,
} from '@internal/platform';
import {
  archiveBucket,
  archiveS3FromEnv,
  archiveToS3,
  formatArchiveReport,
} from '@internal/plugin-uyoop-drp-node';

const usage = `usage: yarn archive SOURCE [--prefix NAME] [--dry-run] [--json]

Copies SOURCE, a local folder or an rclone remote path (onedrive:Documents), into
the catalog's archives bucket under NAME (default: the last name of SOURCE), then
checks every file against its copy; files already there are not copied again.
  --prefix NAME  folder of the bucket, such as onedrive or mail/2025
  --dry-run      list what would be copied, copy nothing
  --json         the report as JSON

S3: DRP_S3_ENDPOINT, DRP_S3_REGION (default gra), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
Exit codes: 0 copied and identical, 1 a difference or a failure, 2 bad usage.`;

const { values, positionals } = commandLineOrExit(
  process.argv.slice(2),
  {
    prefix: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  usage,
);
if (positionals.length !== 1) {
  usageFailure(
    consoleIO,
    positionals.length ? 'give one SOURCE only' : 'SOURCE is required',
    usage,
  );
  process.exit(2);
}

runCli(
  async io => {
    const s3 = archiveS3FromEnv(process.env);
    const bucket = archiveBucket(await loadPlatform());
    const report = await archiveToS3(
      {
        source: positionals[0],
        bucket,
        prefix: values.prefix,
        dryRun: !!values['dry-run'],
      },
      {
        runner: zxRunner,
        s3,
        onFile: values.json ? undefined : path => io.err(`copied ${path}`),
      },
    );
    io.out(
      values.json
        ? JSON.stringify(report, null, 2)
        : formatArchiveReport(report),
    );
    return report.differences.length ? 1 : 0;
  },
  error => `archive: ${error instanceof Error ? error.message : error}`,
);
