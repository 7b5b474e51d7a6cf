/**
 * The archive migration (OneDrive, or any folder, to S3): rclone copies a
 * source into the catalog's archives bucket, then `rclone check` compares
 * every source file with its copy by checksum. rclone gets its S3 remote from
 * environment variables only, so no file with the keys is ever written.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Platform, ProcessRunner, RunResult } from '@internal/platform';
import { readDrpSettings } from './open';

/** Name of the S3 remote rclone is given through RCLONE_CONFIG_<NAME>_* variables. */
export const ARCHIVE_REMOTE = 'uyooparchives';

export interface ArchiveS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ArchiveOptions {
  /** A local folder or an rclone remote path (`onedrive:Documents`). */
  source: string;
  bucket: string;
  /** Folder of the bucket the source lands in; default: the source's last name. */
  prefix?: string;
  dryRun?: boolean;
}

export interface ArchiveDeps {
  runner: ProcessRunner;
  s3: ArchiveS3;
  /** The rclone binary; default: found on PATH. */
  rclone?: string;
  /** Each file as it is copied (or would be, on a dry run). */
  onFile?: (path: string) => void;
}

/** One file the check found not identical on both sides. */
export interface ArchiveDifference {
  path: string;
  problem: 'differs' | 'missing in S3' | 'could not be checked';
}

export interface ArchiveReport {
  source: string;
  /** `s3://bucket/prefix`. */
  destination: string;
  dryRun: boolean;
  /** Files copied (or that a dry run would copy), and their bytes. */
  files: string[];
  bytes: number;
  /** Files found identical by the check. */
  matching: number;
  /** How the check compared: by checksum, or by downloading both sides when they share no hash. */
  comparedBy?: 'checksum' | 'download';
  differences: ArchiveDifference[];
}

/** A bad source, prefix or setting, found before anything is copied. */
export class ArchiveInputError extends Error {
  readonly name = 'ArchiveInputError';
}

/** `remote:path` or `:backend:path`, as rclone tells a remote from a local path. */
export const isRemotePath = (path: string) => /^:?[\w][\w.+@ -]*:/.test(path);

/** The default prefix: the source's last name (`onedrive:` gives `onedrive`). */
export function defaultPrefix(source: string): string {
  const path = source.replace(/\/+$/, '');
  const name = isRemotePath(path)
    ? basename(path.slice(path.indexOf(':', 1) + 1)) ||
      path.replace(/^:/, '').split(':')[0]
    : basename(resolve(path));
  return name.replace(/[^\w.-]+/g, '-');
}

/** A prefix is a relative key path: no empty, `.` or `..` segment, no odd character. */
export function checkPrefix(prefix: string): string {
  const segments = prefix.split('/');
  if (
    !prefix ||
    segments.some(s => !s || s === '.' || s === '..' || !/^[\w.-]+$/.test(s))
  )
    throw new ArchiveInputError(
      `--prefix "${prefix}" is not a folder name such as onedrive or mail/2025 (letters, digits, . _ - and /)`,
    );
  return prefix;
}

/** The catalog's archives bucket: the one s3-bucket tagged `archive`. */
export function archiveBucket(platform: Pick<Platform, 'entities'>): string {
  const tagged = platform.entities
    .map(e => e.entity)
    .filter(
      e =>
        e.kind === 'Resource' &&
        e.spec?.type === 's3-bucket' &&
        e.metadata.tags?.includes('archive'),
    )
    .map(e => e.metadata.name);
  if (tagged.length !== 1)
    throw new ArchiveInputError(
      `expected one s3-bucket tagged archive in catalog/, found ${
        tagged.join(', ') || 'none'
      }`,
    );
  return tagged[0];
}

const missingPrefix = (): never => {
  throw new ArchiveInputError(
    'SOURCE has no name to use as a prefix: give --prefix NAME',
  );
};

/** The S3 settings the DRP command line reads, or what is missing. */
export function archiveS3FromEnv(env: NodeJS.ProcessEnv): ArchiveS3 {
  const s3 = readDrpSettings(undefined, env).s3;
  const missing = [
    ['DRP_S3_ENDPOINT', s3?.endpoint],
    ['AWS_ACCESS_KEY_ID', env.AWS_ACCESS_KEY_ID],
    ['AWS_SECRET_ACCESS_KEY', env.AWS_SECRET_ACCESS_KEY],
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length)
    throw new ArchiveInputError(
      `S3 is not configured: set ${missing.join(
        ', ',
      )} (the same settings as yarn drp)`,
    );
  return {
    endpoint: s3!.endpoint,
    region: s3!.region,
    accessKeyId: env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
  };
}

/**
 * rclone's environment: the S3 remote as RCLONE_CONFIG_* variables (path
 * style, no bucket creation: `yarn backup buckets` makes it, with its
 * lifecycle), and no AWS_CA_BUNDLE, which rclone would read as its own.
 */
export function rcloneEnv(s3: ArchiveS3): Record<string, string | undefined> {
  const p = `RCLONE_CONFIG_${ARCHIVE_REMOTE.toUpperCase()}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Other',
    [`${p}ENV_AUTH`]: 'false',
    [`${p}ENDPOINT`]: s3.endpoint,
    [`${p}REGION`]: s3.region,
    [`${p}ACCESS_KEY_ID`]: s3.accessKeyId,
    [`${p}SECRET_ACCESS_KEY`]: s3.secretAccessKey,
    [`${p}FORCE_PATH_STYLE`]: 'true',
    [`${p}NO_CHECK_BUCKET`]: 'true',
    AWS_CA_BUNDLE: undefined,
  };
}

interface LogLine {
  level?: string;
  msg?: string;
  object?: string;
  size?: number;
  stats?: { bytes?: number; transfers?: number; errors?: number };
}

const logLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter(l => l.startsWith('{'))
    .flatMap(l => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });

/** rclone's errors from its JSON log, or the end of its output. */
const rcloneErrors = (r: RunResult) => {
  const lines = logLines(r.stderr);
  const errors = lines
    .filter(l => l.level === 'error' || l.level === 'critical')
    .map(l => (l.object ? `${l.object}: ${l.msg}` : l.msg));
  const text = errors.length
    ? errors.join('\n')
    : (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10).join('\n');
  return /NoSuchBucket/.test(text)
    ? `${text}\n(the bucket is missing: create it with yarn backup buckets)`
    : text;
};

/** Parses `rclone check --combined -`: `= same`, `* differs`, `- missing in S3`, `! error`. */
export function parseCheck(stdout: string): {
  matching: number;
  differences: ArchiveDifference[];
} {
  let matching = 0;
  const differences: ArchiveDifference[] = [];
  const problems: Record<string, ArchiveDifference['problem']> = {
    '*': 'differs',
    '-': 'missing in S3',
    '!': 'could not be checked',
  };
  for (const line of stdout.split('\n')) {
    const sign = line[0];
    const path = line.slice(2);
    if (sign === '=') matching++;
    else if (problems[sign])
      differences.push({ path, problem: problems[sign] });
  }
  return { matching, differences };
}

/**
 * Copies `source` into `s3://bucket/prefix` with rclone, then checks every
 * source file against its copy. A source that does not exist, or a bad
 * prefix, is an ArchiveInputError before anything is copied; a failed copy
 * throws with rclone's errors; differences are reported, not thrown.
 */
export async function archiveToS3(
  options: ArchiveOptions,
  deps: ArchiveDeps,
): Promise<ArchiveReport> {
  const rclone = deps.rclone ?? 'rclone';
  const prefix = checkPrefix(
    options.prefix ?? (defaultPrefix(options.source) || missingPrefix()),
  );
  const destination = `${ARCHIVE_REMOTE}:${options.bucket}/${prefix}`;
  const run = (args: string[]) =>
    deps.runner.run(rclone, args, {
      env: rcloneEnv(deps.s3),
      secrets: [deps.s3.secretAccessKey],
      allowFail: true,
      onLine: line => {
        const [l] = logLines(line);
        if (l?.object && /^Copied|^Skipped copy/.test(l.msg ?? ''))
          deps.onFile?.(l.object);
      },
    });

  if (!isRemotePath(options.source)) {
    const found = await stat(options.source).catch(() => undefined);
    if (!found?.isDirectory())
      throw new ArchiveInputError(
        `${options.source} ${
          found ? 'is not a folder' : 'does not exist'
        }: SOURCE is a local folder or an rclone remote path such as onedrive:Documents`,
      );
  } else {
    const r = await run(['lsjson', '--stat', options.source]);
    if (r.code !== 0)
      throw new ArchiveInputError(
        `${options.source} cannot be read: ${rcloneErrors(r)}`,
      );
  }

  const copy = await run([
    'copy',
    options.source,
    destination,
    '--use-json-log',
    '--verbose',
    ...(options.dryRun ? ['--dry-run'] : []),
  ]);
  if (copy.code !== 0)
    throw new Error(
      `rclone copy to s3://${options.bucket}/${prefix} failed (exit ${
        copy.code
      }): ${rcloneErrors(copy)}`,
    );
  const log = logLines(copy.stderr);
  const files = log
    .filter(l => l.object && /^Copied|^Skipped copy/.test(l.msg ?? ''))
    .map(l => l.object!);
  const stats = log.filter(l => l.stats).pop()?.stats;
  const report: ArchiveReport = {
    source: options.source,
    destination: `s3://${options.bucket}/${prefix}`,
    dryRun: !!options.dryRun,
    files,
    bytes: stats?.bytes ?? 0,
    matching: 0,
    differences: [],
  };
  if (options.dryRun) return report;

  const checkArgs = [
    'check',
    options.source,
    destination,
    '--one-way',
    '--combined',
    '-',
    '--use-json-log',
  ];
  let check = await run(checkArgs);
  report.comparedBy = 'checksum';
  // OneDrive and S3 share no hash: without one, rclone would compare sizes only.
  if (/No common hash found/.test(check.stderr)) {
    check = await run([...checkArgs, '--download']);
    report.comparedBy = 'download';
  }
  const result = parseCheck(check.stdout);
  if (check.code !== 0 && !result.differences.length)
    throw new Error(
      `rclone check of s3://${options.bucket}/${prefix} failed (exit ${
        check.code
      }): ${rcloneErrors(check)}`,
    );
  return { ...report, ...result };
}

const formatBytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
    ? `${(n / 1024).toFixed(1)} KiB`
    : n < 1024 ** 3
    ? `${(n / 1024 ** 2).toFixed(1)} MiB`
    : `${(n / 1024 ** 3).toFixed(2)} GiB`;

/** The report for a terminal. */
export function formatArchiveReport(r: ArchiveReport): string {
  const lines = [
    r.dryRun
      ? `dry run: ${r.files.length} files (${formatBytes(
          r.bytes,
        )}) would be copied from ${r.source} to ${r.destination}`
      : `${r.files.length} files copied (${formatBytes(r.bytes)}) from ${
          r.source
        } to ${r.destination}`,
  ];
  if (!r.dryRun) {
    lines.push(
      `check (${
        r.comparedBy === 'download'
          ? 'by download: no hash in common'
          : 'checksums'
      }): ` + `${r.matching} identical, ${r.differences.length} different`,
      ...r.differences.map(d => `  ${d.path}: ${d.problem}`),
    );
  }
  return lines.join('\n');
}
