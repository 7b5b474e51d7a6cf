/*
 * The testbed's own life cycle: up, a second up, down, and the bad situations.
 * It starts and stops the testbed itself, so the suite runs it on its own,
 * after the tests that share the running testbed (scripts/test-all.sh).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runSync, zxRunner } from '@internal/platform';
import { testbedScript } from '.';

jest.setTimeout(600_000);

interface Result {
  code: number;
  out: string;
}

function testbedCmd(
  args: string[],
  env: Record<string, string> = {},
): Promise<Result> {
  return zxRunner
    .run(join(repoRoot, 'node_modules', '.bin', 'tsx'), [testbedScript, ...args], {
      env,
      allowFail: true,
    })
    .then(r => ({ code: r.code, out: `${r.stdout}${r.stderr}` }));
}

const state = join(repoRoot, '.testbed');
const runDir = (dir: string) => join(dir, 'run');

function pids(dir: string): number[] {
  if (!existsSync(runDir(dir))) return [];
  return readdirSync(runDir(dir))
    .filter(f => f.endsWith('.pid'))
    .map(f => Number(readFileSync(join(runDir(dir), f), 'utf8').trim()));
}

/** Alive means a process that is not a zombie (this machine reaps orphans late). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('yarn testbed', () => {
  it('up starts every component and prints its endpoints', async () => {
    const up = await testbedCmd(['up']);
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/Kubernetes API\s+https:\/\/198\.18\.0\.1:\d+/);
    expect(up.out).toMatch(/S3 \(radosgw\)\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(existsSync(join(state, 'kubeconfig'))).toBe(true);
    const status = await testbedCmd(['status']);
    expect(status.code).toBe(0);
    expect(status.out).toContain('all components running');
  });

  it('a second up is a no-op that says so', async () => {
    const before = pids(state);
    const again = await testbedCmd(['up']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('testbed is already up: nothing to do');
    expect(pids(state)).toEqual(before);
  });

  describe('with a port already in use', () => {
    let server: Server;
    let port: number;
    let other: string;

    beforeAll(async () => {
      other = await mkdtemp(join(tmpdir(), 'uyoop-testbed-'));
      server = createServer().listen(0, '127.0.0.1');
      await new Promise(r => server.once('listening', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      server.close();
      await rm(other, { recursive: true, force: true });
    });

    it('names the port and the process holding it, and starts nothing', async () => {
      const shifted = {
        TESTBED_STATE: other,
        TESTBED_CEPH_MON_PORT: '48789',
        TESTBED_S3_PORT: '48480',
        TESTBED_KINE_PORT: String(port),
        TESTBED_APISERVER_PORT: '48443',
      };
      const up = await testbedCmd(['up'], shifted);
      expect(up.code).toBe(1);
      expect(up.out).toContain(
        `port ${port} (kine) is already in use by users:(("node"`,
      );
      expect(pids(other)).toEqual([]);
    });
  });

  it('reports a failed build with the path of its log', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'uyoop-cache-'));
    try {
      const build = await testbedCmd(['build'], {
        UYOOP_CACHE: cache,
        GOPROXY: 'off',
        GOFLAGS: '-mod=mod',
        GOMODCACHE: join(cache, 'gomod'),
      });
      expect(build.code).not.toBe(0);
      const log = build.out.match(/failed, see (\S+build\.log)/)?.[1];
      expect(log).toBeDefined();
      expect(readFileSync(log!, 'utf8')).toContain('GOPROXY=off');
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('down stops every process and node it started and leaves no state, namespace, link, mount or cgroup', async () => {
    const started = [...pids(state), ...nodePids()];
    expect(started.length).toBeGreaterThanOrEqual(10);
    const down = await testbedCmd(['down']);
    expect(down.code).toBe(0);
    expect(started.filter(alive)).toEqual([]);
    expect(existsSync(join(state, 'env'))).toBe(false);
    const status = await testbedCmd(['status']);
    expect(status.code).toBe(3);
    expect(leftovers()).toEqual({ netns: [], links: [], cgroups: [], mounts: [] });
  });

  it('names the log to read when a node cannot join, and down cleans up after it', async () => {
    const up = await testbedCmd(['up'], {
      TESTBED_KUBELET_EXTRA_ARGS: '--no-such-kubelet-flag',
      TESTBED_NODE_JOIN_SECONDS: '30',
    });
    expect(up.code).toBe(1);
    expect(up.out).toMatch(
      /node core-prod did not join the cluster: read \S+\/nodes\/core-prod\/upper\/var\/log\/uyoop\/kubelet\.log/,
    );
    const log = up.out.match(/read (\S+kubelet\.log)/)![1];
    expect(readFileSync(log, 'utf8')).toContain('no-such-kubelet-flag');
    expect((await testbedCmd(['down'])).code).toBe(0);
    expect(leftovers()).toEqual({ netns: [], links: [], cgroups: [], mounts: [] });
  });
});

/** The nodes' nspawn pids, from their folders. */
function nodePids(): number[] {
  const dir = join(state, 'nodes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map(n => join(dir, n, 'nspawn.pid'))
    .filter(existsSync)
    .map(f => Number(readFileSync(f, 'utf8').trim()));
}

/** What the testbed may leave on this machine: each list must be empty after down. */
function leftovers() {
  const lines = (cmd: string, args: string[]) =>
    runSync(cmd, args).stdout.split('\n');
  const cgroups = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(l => l.split(':'))
    .map(([, ctl, path]) => join('/sys/fs/cgroup', ctl.replace(/^name=/, ''), path))
    .filter(existsSync)
    .flatMap(dir => readdirSync(dir).filter(d => d.startsWith('uytb-')).map(d => join(dir, d)));
  return {
    netns: lines('ip', ['netns', 'list']).filter(l => /uytb-|testbed/.test(l)),
    links: lines('ip', ['-o', 'link', 'show']).filter(l => l.includes('uytb-')),
    cgroups,
    mounts: readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter(l => l.includes(state)),
  };
}
