import { ServiceUnavailableError } from '@backstage/errors';
import { zxRunner } from '@internal/platform';
import { drpCli } from './cli';
import { drillReportHtml } from './report';
import {
  closeEngines,
  engineOn,
  FakeCluster,
  testTools,
  unreachableKubeconfig,
} from './testUtils';

// The first test of the file loads the engine and SQLite: seconds on a loaded machine.
jest.setTimeout(60_000);

afterAll(closeEngines);

describe('engine', () => {
  it('inventory: backups newest first, and the RPO of every catalog service with a backup policy', async () => {
    const cluster = new FakeCluster();
    cluster.addNamespace('prod-web');
    cluster.backUp('a', 'prod-web', '2026-06-19T01:00:00Z');
    cluster.backUp('b', 'prod-web', '2026-06-20T01:00:00Z');
    const { engine } = await engineOn(cluster);
    const inv = await engine.inventory();
    expect(inv.backups.map(b => b.name)).toEqual(['b', 'a']);
    expect(inv.locations).toEqual([
      {
        name: 'default',
        bucket: 'velero-backups',
        phase: 'Available',
        lastValidated: undefined,
      },
    ]);
    const ghost = inv.rpo.find(r => r.service === 'ghost')!;
    expect(ghost).toMatchObject({
      lastBackup: '2026-06-20T01:00:00.000Z',
      rpoSeconds: 8 * 3600,
    });
    expect(
      inv.rpo.find(r => r.service === 'nextcloud')!.rpoSeconds,
    ).toBeUndefined();
  });

  it('preflight: says when S3 is not configured, and fails on every namespace without a schedule', async () => {
    const { engine } = await engineOn(new FakeCluster());
    const r = await engine.preflight();
    expect(r.ok).toBe(false);
    expect(r.passed).toEqual(
      expect.arrayContaining([
        'kubectl answers',
        'velero answers',
        'restic answers',
        'storage location default (velero-backups) Available',
      ]),
    );
    expect(r.findings.find(f => f.area === 'bucket')?.message).toMatch(
      /^no S3 endpoint or credentials/,
    );
    expect(
      r.findings.filter(f => f.subject.startsWith('namespace ')).length,
    ).toBeGreaterThan(0);
  });

  it('a missing tool is a finding that names it, not a crash', async () => {
    const { engine } = await engineOn(new FakeCluster(), {
      runner: zxRunner,
      tools: {
        ...testTools,
        kubectl: '/nonexistent/kubectl',
        velero: 'true',
        restic: 'true',
      },
    });
    const r = await engine.toolFindings();
    expect(r.passed).toEqual(['velero answers', 'restic answers']);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ area: 'tool', subject: 'kubectl' });
    expect(r.findings[0].message).toMatch(
      /^\/nonexistent\/kubectl does not run/,
    );
  });

  it('an unreachable cluster is a ServiceUnavailableError that says what to check (real kubectl)', async () => {
    const kubeconfig = unreachableKubeconfig();
    const { engine } = await engineOn(new FakeCluster(), {
      runner: zxRunner,
      tools: { ...testTools, env: { KUBECONFIG: kubeconfig } },
    });
    const error = await engine.inventory().catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toMatch(
      /^the cluster cannot be reached: .*127\.0\.0\.1:1.*\(check KUBECONFIG/,
    );
  });

  it('404s an unknown backup', async () => {
    const { engine } = await engineOn(new FakeCluster());
    await expect(engine.backup('nope')).rejects.toThrow('no backup named nope');
  });

  it('the drill report is a standalone page with RTO, RPO and the timeline, its values escaped', () => {
    const html = drillReportHtml({
      id: 'd1',
      namespace: 'prod-web',
      status: 'failed',
      actor: 'user:default/<script>',
      startedAt: '2026-06-20T09:00:00Z',
      backup: 'nightly',
      rtoSeconds: 150,
      rpoSeconds: 8 * 3600,
      timeline: [
        {
          step: 'delete-namespace',
          at: '2026-06-20T09:00:10Z',
          detail: 'prod-web',
        },
      ],
      error: 'a <b>bad</b> thing',
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<td>2.5 min</td><td>8.0 h</td>');
    expect(html).toContain('<td>delete-namespace</td>');
    expect(html).toContain('user:default/&lt;script&gt;');
    expect(html).toContain('Reason: a &lt;b&gt;bad&lt;/b&gt; thing');
    expect(html).not.toMatch(/<script|src=|href=/);
  });
});

describe('drp command line', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const files: Record<string, string> = {};
    return {
      out,
      err,
      files,
      io: {
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        writeFile: async (p: string, c: string) => {
          files[p] = c;
        },
      },
    };
  };

  it.each([
    [[], ''],
    [['restore'], 'restore needs a BACKUP and its NAMESPACE'],
    [
      ['restore', 'nightly', 'prod-web', '--confirm', 'prod-web'],
      '--confirm goes with --in-place',
    ],
    [['restor'], 'unknown command "restor"'],
    [['drill'], 'drill needs one NAMESPACE'],
    [
      ['drill', 'prod-web', '--probe', 'rows'],
      '--probe "rows" is not NAME=SELECTOR:COMMAND',
    ],
    [['inventory', '--force'], "Unknown option '--force'"],
    [['--force'], "Unknown option '--force'"],
  ])('exits 2 on %j, saying %s, and opens nothing', async (argv, message) => {
    const t = io();
    const open = jest.fn();
    expect(
      await drpCli(argv, t.io, { actor: 'cli:test', openEngine: open }),
    ).toBe(2);
    expect(t.err.join('\n')).toContain(message);
    expect(t.err.join('\n')).toContain('usage: drp <command>');
    expect(open).not.toHaveBeenCalled();
  });

  it('runs a drill, writes its proof page, and reads it back by id', async () => {
    const cluster = new FakeCluster();
    cluster.addNamespace('prod-web', { 'count-rows': '42\n' });
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    const { engine } = await engineOn(cluster);
    const openEngine = async () => ({ engine, close: async () => undefined });
    const t = io();
    const code = await drpCli(
      [
        'drill',
        'prod-web',
        '--probe',
        'rows=app=app:count-rows',
        '--html',
        'proof.html',
      ],
      t.io,
      { actor: 'cli:test', openEngine },
    );
    expect(t.err.join('\n')).toContain('drill: restore-completed');
    expect(code).toBe(0);
    expect(t.out).toEqual(['drill t1: succeeded', 'RTO 3.0 s, RPO 8.0 h']);
    expect(t.files['proof.html']).toContain(
      '<span class="succeeded">succeeded</span>',
    );
    const t2 = io();
    expect(
      await drpCli(['report', 't1', '--json'], t2.io, {
        actor: 'cli:test',
        openEngine,
      }),
    ).toBe(0);
    expect(JSON.parse(t2.out.join('\n'))).toMatchObject({
      id: 't1',
      status: 'succeeded',
      rtoSeconds: 3,
    });
  });

  describe('restore', () => {
    const setup = async () => {
      const cluster = new FakeCluster();
      cluster.addNamespace('prod-web');
      cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
      const { engine } = await engineOn(cluster);
      const run = async (argv: string[]) => {
        const t = io();
        const code = await drpCli(argv, t.io, {
          actor: 'cli:test',
          openEngine: async () => ({ engine, close: async () => undefined }),
        });
        return { code, ...t };
      };
      return { cluster, run };
    };

    it('restores into a scratch namespace by default, following its progress, and leaves the live one alone', async () => {
      const { cluster, run } = await setup();
      const r = await run(['restore', 'nightly', 'prod-web']);
      expect(r.code).toBe(0);
      expect(r.out.join('\n')).toMatch(
        /backup nightly, prod-web -> (prod-web-[\w-]+) \(scratch\): Completed, 4\/4 items/,
      );
      const target = /-> (prod-web-[\w-]+)/.exec(r.out.join('\n'))![1];
      expect(
        cluster.namespaces.get(target)!.objects.map(o => o.kind),
      ).toContain('ConfigMap');
      expect(cluster.namespaces.get('prod-web')!.phase).toBe('Active');
    });

    it('stops following a restore that never ends, saying how to follow it', async () => {
      const { cluster, run } = await setup();
      cluster.restoresStall = true;
      await expect(run(['restore', 'nightly', 'prod-web'])).rejects.toThrow(
        /^restore (\S+) is still InProgress after 60 s: Velero goes on with it; follow it with velero restore describe \1$/,
      );
      expect(cluster.calls.filter(l => /restore create/.test(l))).toHaveLength(
        1,
      );
    });

    it('refuses an in-place restore whose namespace is not typed again, and starts nothing', async () => {
      const { cluster, run } = await setup();
      const r = await run([
        'restore',
        'nightly',
        'prod-web',
        '--in-place',
        '--confirm',
        'prod-wbe',
      ]);
      expect(r.code).toBe(1);
      expect(r.err.join('\n')).toMatch(/prod-web/);
      expect(cluster.calls.filter(l => /restore create/.test(l))).toEqual([]);
    });

    it('--dry-run prints the plan and starts nothing', async () => {
      const { cluster, run } = await setup();
      const r = await run([
        'restore',
        'nightly',
        'prod-web',
        '--dry-run',
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out.join('\n'))).toMatchObject({
        backup: 'nightly',
        mode: 'scratch',
        sourceNamespace: 'prod-web',
      });
      expect(cluster.calls.filter(l => /restore create/.test(l))).toEqual([]);
    });
  });

  it('a dry-run drill prints the plan and deletes nothing', async () => {
    const cluster = new FakeCluster();
    cluster.addNamespace('prod-web');
    cluster.backUp('nightly', 'prod-web', '2026-06-20T01:00:00Z');
    const { engine } = await engineOn(cluster);
    const t = io();
    const code = await drpCli(['drill', 'prod-web', '--dry-run'], t.io, {
      actor: 'cli:test',
      openEngine: async () => ({ engine, close: async () => undefined }),
    });
    expect(code).toBe(0);
    expect(t.out.join(' ')).toContain('restore it from backup nightly');
    expect(cluster.calls.filter(l => /delete|restore create/.test(l))).toEqual(
      [],
    );
    expect(cluster.namespaces.get('prod-web')!.phase).toBe('Active');
    expect(await engine.drills()).toEqual([]);
  });
});
