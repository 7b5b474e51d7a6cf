import type { SnapshotInfo } from '@internal/plugin-uyoop-drp-common';
import { ToolRunner } from './tools';

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

  private args(args: string[]) {
    // Path-style addressing, as radosgw and most S3 servers other than AWS want.
    return this.repository.url.startsWith('s3:')
      ? ['-o', 's3.bucket-lookup=path', ...args]
      : args;
  }

  private env() {
    return { RESTIC_REPOSITORY: this.repository.url };
  }

  async snapshots(): Promise<SnapshotInfo[]> {
    const { stdout } = await this.tools.run(
      'restic',
      this.args(['snapshots', '--json']),
      { env: this.env() },
    );
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
    const r = await this.tools.run(
      'restic',
      this.args(['check', `--read-data-subset=${subset}`]),
      { env: this.env(), allowFail: true },
    );
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
