import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPlatform,
  ProcessRunner,
  RunOptions,
  RunResult,
} from '@internal/platform';
import {
  ArchiveInputError,
  archiveBucket,
  archiveS3FromEnv,
  archiveToS3,
  checkPrefix,
  defaultPrefix,
  formatArchiveReport,
  parseCheck,
} from './archive';

const s3 = {
  endpoint: 'http://127.0.0.1:9000',
  region: 'gra',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret-key-never-printed',
};

const json = (o: object) => JSON.stringify(o);
const copiedLog = [
  json({ level: 'info', msg: 'Copied (new)', object: 'notes.txt' }),
  json({ level: 'info', msg: 'Copied (new)', object: 'photos/cat.jpg' }),
  json({
    level: 'info',
    msg: 'Transferred',
    stats: { bytes: 3006, transfers: 2 },
  }),
].join('\n');

interface Call {
  cmd: string;
  args: string[];
  opts: RunOptions;
}

/** Answers rclone's sub-commands with canned results, recording each call. */
function fakeRclone(answers: Record<string, Partial<RunResult>[]>) {
  const calls: Call[] = [];
  const runner: ProcessRunner = {
    async run(cmd, args, opts = {}) {
      calls.push({ cmd, args, opts });
      const queue = answers[args[0]] ?? [];
      const r = { code: 0, stdout: '', stderr: '', ...(queue.shift() ?? {}) };
      r.stderr.split('\n').forEach(l => opts.onLine?.(l));
      return r;
    },
  };
  return { runner, calls };
}

describe('archive to S3 with rclone', () => {
  let source: string;
  beforeAll(async () => {
    source = await mkdtemp(join(tmpdir(), 'uyoop-archive-unit-'));
    await writeFile(join(source, 'notes.txt'), 'hello');
  });
  afterAll(() => rm(source, { recursive: true, force: true }));

  it('copies into the archives bucket under the prefix, then checks by checksum', async () => {
    const { runner, calls } = fakeRclone({
      copy: [{ stderr: copiedLog }],
      check: [{ stdout: '= notes.txt\n= photos/cat.jpg\n' }],
    });
    const seen: string[] = [];
    const report = await archiveToS3(
      { source, bucket: 'archives', prefix: 'onedrive' },
      { runner, s3, onFile: f => seen.push(f) },
    );
    expect(report).toMatchObject({
      destination: 's3://archives/onedrive',
      files: ['notes.txt', 'photos/cat.jpg'],
      bytes: 3006,
      matching: 2,
      comparedBy: 'checksum',
      differences: [],
    });
    expect(seen).toEqual(['notes.txt', 'photos/cat.jpg']);
    expect(calls.map(c => c.args.slice(0, 3))).toEqual([
      ['copy', source, 'uyooparchives:archives/onedrive'],
      ['check', source, 'uyooparchives:archives/onedrive'],
    ]);
    expect(calls[1].args).toContain('--one-way');
  });

  it('gives rclone its S3 remote through the environment only, without AWS_CA_BUNDLE, the key redacted', async () => {
    const { runner, calls } = fakeRclone({ copy: [{ stderr: copiedLog }] });
    await archiveToS3(
      { source, bucket: 'archives', prefix: 'x', dryRun: true },
      { runner, s3 },
    );
    const { args, opts } = calls[0];
    expect(opts.env).toMatchObject({
      RCLONE_CONFIG_UYOOPARCHIVES_TYPE: 's3',
      RCLONE_CONFIG_UYOOPARCHIVES_ENDPOINT: s3.endpoint,
      RCLONE_CONFIG_UYOOPARCHIVES_SECRET_ACCESS_KEY: s3.secretAccessKey,
      RCLONE_CONFIG_UYOOPARCHIVES_FORCE_PATH_STYLE: 'true',
    });
    expect('AWS_CA_BUNDLE' in opts.env!).toBe(true);
    expect(opts.env!.AWS_CA_BUNDLE).toBeUndefined();
    expect(opts.secrets).toEqual([s3.secretAccessKey]);
    expect(args.join(' ')).not.toContain(s3.secretAccessKey);
  });

  it('a dry run lists what would be copied and checks nothing', async () => {
    const { runner, calls } = fakeRclone({ copy: [{ stderr: copiedLog }] });
    const report = await archiveToS3(
      { source, bucket: 'archives', prefix: 'x', dryRun: true },
      { runner, s3 },
    );
    expect(calls.map(c => c.args[0])).toEqual(['copy']);
    expect(calls[0].args).toContain('--dry-run');
    expect(formatArchiveReport(report)).toMatch(
      /^dry run: 2 files \(2\.9 KiB\) would be copied from .* to s3:\/\/archives\/x$/,
    );
  });

  it('reports a file that differs in S3, naming it', async () => {
    const { runner } = fakeRclone({
      copy: [{ stderr: '' }],
      check: [
        { code: 1, stdout: '* notes.txt\n= photos/cat.jpg\n- new.txt\n' },
      ],
    });
    const report = await archiveToS3(
      { source, bucket: 'archives', prefix: 'x' },
      { runner, s3 },
    );
    expect(report.differences).toEqual([
      { path: 'notes.txt', problem: 'differs' },
      { path: 'new.txt', problem: 'missing in S3' },
    ]);
    expect(formatArchiveReport(report)).toContain(
      'check (checksums): 1 identical, 2 different\n  notes.txt: differs\n  new.txt: missing in S3',
    );
  });

  it('compares by download when the source and S3 share no hash (OneDrive)', async () => {
    const { runner, calls } = fakeRclone({
      lsjson: [{ stdout: '{"IsDir":true}' }],
      copy: [{ stderr: '' }],
      check: [
        {
          stderr: json({
            level: 'notice',
            msg: 'No common hash found - not using a hash for checks',
          }),
        },
        { stdout: '= a.docx\n' },
      ],
    });
    const report = await archiveToS3(
      { source: 'onedrive:Documents', bucket: 'archives' },
      { runner, s3 },
    );
    expect(calls.map(c => c.args[0])).toEqual([
      'lsjson',
      'copy',
      'check',
      'check',
    ]);
    expect(calls[3].args).toContain('--download');
    expect(report).toMatchObject({
      destination: 's3://archives/Documents',
      comparedBy: 'download',
      matching: 1,
    });
  });

  it('a missing local SOURCE is an error before rclone runs', async () => {
    const { runner, calls } = fakeRclone({});
    const missing = join(source, 'nope');
    await expect(
      archiveToS3({ source: missing, bucket: 'archives' }, { runner, s3 }),
    ).rejects.toThrow(
      new ArchiveInputError(
        `${missing} does not exist: SOURCE is a local folder or an rclone remote path such as onedrive:Documents`,
      ),
    );
    expect(calls).toEqual([]);
  });

  it('a file as SOURCE is an error: a folder is expected', async () => {
    const { runner, calls } = fakeRclone({});
    await expect(
      archiveToS3(
        { source: join(source, 'notes.txt'), bucket: 'archives' },
        { runner, s3 },
      ),
    ).rejects.toThrow(/notes\.txt is not a folder/);
    expect(calls).toEqual([]);
  });

  it('a remote SOURCE rclone cannot read is an error before anything is copied', async () => {
    const { runner, calls } = fakeRclone({
      lsjson: [
        {
          code: 3,
          stderr: json({ level: 'error', msg: 'directory not found' }),
        },
      ],
    });
    await expect(
      archiveToS3(
        { source: 'onedrive:Nope', bucket: 'archives' },
        { runner, s3 },
      ),
    ).rejects.toThrow('onedrive:Nope cannot be read: directory not found');
    expect(calls.map(c => c.args[0])).toEqual(['lsjson']);
  });

  it('a missing bucket says to create it with yarn backup buckets', async () => {
    const { runner } = fakeRclone({
      copy: [
        {
          code: 1,
          stderr: json({
            level: 'error',
            msg: 'Failed to copy: NoSuchBucket: The specified bucket does not exist',
            object: 'notes.txt',
          }),
        },
      ],
    });
    await expect(
      archiveToS3({ source, bucket: 'archives', prefix: 'x' }, { runner, s3 }),
    ).rejects.toThrow(
      /rclone copy to s3:\/\/archives\/x failed \(exit 1\): notes\.txt: Failed to copy: NoSuchBucket[\s\S]*yarn backup buckets/,
    );
  });

  it.each(['../up', '/abs', 'a//b', 'a b', ''])(
    'refuses the prefix "%s"',
    async prefix => {
      const { runner, calls } = fakeRclone({});
      await expect(
        archiveToS3({ source, bucket: 'archives', prefix }, { runner, s3 }),
      ).rejects.toThrow(/is not a folder name such as onedrive or mail\/2025/);
      expect(calls).toEqual([]);
    },
  );

  it.each([
    ['/srv/export/onedrive/', 'onedrive'],
    ['onedrive:', 'onedrive'],
    ['onedrive:Documents/Factures', 'Factures'],
    [':s3:bucket/old mail', 'old-mail'],
  ])('names the prefix after the source: %s gives %s', (src, prefix) => {
    expect(defaultPrefix(src)).toBe(prefix);
    expect(checkPrefix(prefix)).toBe(prefix);
  });

  it('parses the combined check output', () => {
    expect(parseCheck('= a\n! b\n+ c\n')).toEqual({
      matching: 1,
      differences: [{ path: 'b', problem: 'could not be checked' }],
    });
  });
});

describe('archive settings', () => {
  it("the bucket is the catalog's s3-bucket tagged archive", async () => {
    expect(archiveBucket(await loadPlatform())).toBe('archives');
    expect(() => archiveBucket({ entities: [] })).toThrow(
      'expected one s3-bucket tagged archive in catalog/, found none',
    );
  });

  it('S3 comes from the DRP variables, and a missing one is named', () => {
    expect(
      archiveS3FromEnv({
        DRP_S3_ENDPOINT: 'https://s3.gra.io.cloud.ovh.net',
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'key',
      }),
    ).toEqual({
      endpoint: 'https://s3.gra.io.cloud.ovh.net',
      region: 'gra',
      accessKeyId: 'id',
      secretAccessKey: 'key',
    });
    expect(() => archiveS3FromEnv({ AWS_ACCESS_KEY_ID: 'id' })).toThrow(
      'S3 is not configured: set DRP_S3_ENDPOINT, AWS_SECRET_ACCESS_KEY (the same settings as yarn drp)',
    );
  });
});
