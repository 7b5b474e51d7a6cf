import type { SnapshotInfo } from '@internal/plugin-uyoop-drp-common';
import { Tool, ToolRunner } from './tools';

/** The source repository's password for `copy` and `init --from-repo`: the same one. */
const fromPassword = (tools: ToolRunner) => ({
  RESTIC_FROM_PASSWORD: tools.tools.env.RESTIC_PASSWORD,
});

/** A restic repository on the locked bucket (or the cold copy's local path). */
export interface ResticRepository {
  /** e.g. s3:https://s3.gra.io.cloud.ovh.net/backups-locked/restic, or a local path. */
  url: string;
}

export const resticRepositoryUrl = (
  endpoint: string,
  bucket: string,
  prefix = 'restic',
) => `s3:${endpoint.replace(/\/+$/, '')}/${bucket}/${prefix}`;

interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  hostname: string;
  paths?: string[];
  tags?: string[];
}

export class Restic {
  constructor(
    private readonly tools: ToolRunner,
    readonly repository: ResticRepository,
  ) {}

  private args(args: string[], other?: Restic) {
    // Path-style addressing, as radosgw and most S3 servers other than AWS want.
    return [this, other].some(r => r?.repository.url.startsWith('s3:'))
      ? ['-o', 's3.bucket-lookup=path', ...args]
      : args;
  }

  private env() {
    return { RESTIC_REPOSITORY: this.repository.url };
  }

  private run(args: string[], opts: { allowFail?: boolean } = {}) {
    return this.tools.run('restic', this.args(args), {
      env: this.env(),
      ...opts,
    });
  }

  /** Whether the repository exists (its config can be read). */
  async exists(): Promise<boolean> {
    return (await this.run(['cat', 'config'], { allowFail: true })).code === 0;
  }

  /**
   * Creates the repository when it does not exist yet; with `chunkerOf`, with
   * that repository's chunker parameters, so `copy` into it deduplicates.
   */
  async ensure(chunkerOf?: Restic): Promise<'created' | 'exists'> {
    if (await this.exists()) return 'exists';
    await this.tools.run(
      'restic',
      this.args(
        chunkerOf
          ? [
              'init',
              '--copy-chunker-params',
              '--from-repo',
              chunkerOf.repository.url,
            ]
          : ['init'],
        chunkerOf,
      ),
      { env: { ...this.env(), ...(chunkerOf && fromPassword(this.tools)) } },
    );
    return 'created';
  }

  /**
   * Backs up what `from` prints as one file of a snapshot, streamed. When
   * `from` fails (a dump cut short), the snapshot it left is forgotten and
   * the error names the command: a partial dump is never a restore point.
   */
  async backupStream(
    from: [Tool, string[]],
    o: { filename: string; tags: string[]; host: string },
  ): Promise<{ snapshot: string; bytes: number }> {
    const r = await this.tools.pipe(
      [from[0], from[1], { allowFail: true }],
      [
        'restic',
        this.args([
          'backup',
          '--stdin',
          '--stdin-filename',
          o.filename,
          '--host',
          o.host,
          ...o.tags.flatMap(t => ['--tag', t]),
          '--json',
        ]),
        { env: this.env(), allowFail: true },
      ],
    );
    const summary = r.to.stdout
      .split('\n')
      .map(l => (l.trim().startsWith('{') ? JSON.parse(l) : undefined))
      .find(m => m?.message_type === 'summary');
    if (r.from.code !== 0) {
      if (summary?.snapshot_id) await this.run(['forget', summary.snapshot_id]);
      throw new Error(
        `${from[1].join(' ')} failed (exit ${r.from.code}): ${r.from.stderr
          .trim()
          .split('\n')
          .slice(-5)
          .join('\n')}${
          summary?.snapshot_id
            ? `; its partial snapshot ${summary.snapshot_id.slice(
                0,
                8,
              )} was forgotten`
            : ''
        }`,
      );
    }
    if (r.to.code !== 0 || !summary?.snapshot_id)
      throw new Error(
        `restic backup failed (exit ${
          r.to.code
        }): ${`${r.to.stderr}\n${r.to.stdout}`.trim().slice(-500)}`,
      );
    return {
      snapshot: summary.snapshot_id.slice(0, 8),
      bytes: summary.total_bytes_processed ?? 0,
    };
  }

  /** Streams one file of a snapshot into `to` (psql in the database pod). */
  async restoreStream(
    snapshot: string,
    filename: string,
    to: [Tool, string[]],
  ) {
    return this.tools.pipe(
      ['restic', this.args(['dump', snapshot, filename]), { env: this.env() }],
      [to[0], to[1]],
    );
  }

  /**
   * `restic copy` of every snapshot into `target` (the cold copy on the
   * admin's disk), creating it first with this repository's chunker
   * parameters. Both repositories share the password.
   */
  async copyTo(target: Restic): Promise<{ created: boolean; output: string }> {
    const created = (await target.ensure(this)) === 'created';
    const r = await this.tools.run(
      'restic',
      this.args(['copy', '--from-repo', this.repository.url], this),
      { env: { ...target.env(), ...fromPassword(this.tools) } },
    );
    return { created, output: r.stdout.trim() };
  }

  async snapshots(): Promise<SnapshotInfo[]> {
    const { stdout } = await this.run(['snapshots', '--json']);
    return ((JSON.parse(stdout || '[]') as ResticSnapshot[] | null) ?? []).map(
      s => ({
        id: s.short_id ?? s.id.slice(0, 8),
        time: s.time,
        hostname: s.hostname,
        paths: s.paths ?? [],
        tags: s.tags ?? [],
      }),
    );
  }

  /** `restic check --read-data-subset`: reads back a share of the packs. */
  async check(subset = '5%'): Promise<{ ok: boolean; output: string }> {
    const r = await this.run(['check', `--read-data-subset=${subset}`], {
      allowFail: true,
    });
    return {
      ok: r.code === 0,
      output: `${r.stdout}\n${r.stderr}`
        .trim()
        .split('\n')
        .slice(-20)
        .join('\n'),
    };
  }
}
