/**
 * The process layer, with real processes: exit codes, captured output,
 * streaming, timeouts, aborts, redaction, services, and one real call per
 * family of tools the engines drive (the Ansible and age families run in
 * packages/provision's lint and secrets tests).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommandError,
  alive,
  prefixedRunner,
  runSync,
  startDaemon,
  startService,
  stopDaemon,
  zxRunner,
} from './process';

const node = process.execPath;
const script = (code: string) => ['-e', code];

describe('zxRunner', () => {
  it('returns the exit code and both outputs of a command that succeeds', async () => {
    const r = await zxRunner.run(
      node,
      script('console.log("out"); console.error("err")'),
    );
    expect(r).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it('rejects a failing command with its exit code and the end of its output', async () => {
    const run = zxRunner.run(
      node,
      script('console.error("disk full"); process.exit(3)'),
    );
    await expect(run).rejects.toThrow(CommandError);
    await expect(run).rejects.toThrow(/failed \(exit 3\): disk full/);
  });

  it('resolves with the exit code when failure is allowed', async () => {
    const r = await zxRunner.run(node, script('process.exit(4)'), {
      allowFail: true,
    });
    expect(r.code).toBe(4);
  });

  it('passes arguments as they are, without a shell reading them', async () => {
    const odd = ['$HOME', 'a b', '"; echo pwned', '*'];
    const r = await zxRunner.run(node, [
      ...script('console.log(JSON.stringify(process.argv.slice(1)))'),
      ...odd,
    ]);
    expect(JSON.parse(r.stdout)).toEqual(odd);
  });

  it('gives input on stdin, and the working folder and environment it is told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-process-'));
    const r = await zxRunner.run(
      node,
      script(
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify([s,process.cwd(),process.env.UYOOP_A,process.env.PATH===undefined])))',
      ),
      { input: 'hello', cwd: dir, env: { UYOOP_A: 'set' } },
    );
    expect(JSON.parse(r.stdout)).toEqual(['hello', dir, 'set', false]);
  });

  it('gives an empty stdin when there is no input, so a tool reading it does not wait', async () => {
    const r = await zxRunner.run('cat', [], { timeoutMs: 10_000 });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(runSync('cat', [], { timeoutMs: 10_000 }).code).toBe(0);
  });

  it('replaces the environment when told, instead of adding to it', async () => {
    process.env.UYOOP_PARENT_ONLY = 'leaks';
    try {
      const r = await zxRunner.run(
        node,
        script('console.log(JSON.stringify(process.env))'),
        { env: { PATH: process.env.PATH, UYOOP_B: 'b' }, replaceEnv: true },
      );
      const env = JSON.parse(r.stdout);
      expect(env.UYOOP_B).toBe('b');
      expect(env.UYOOP_PARENT_ONLY).toBeUndefined();
    } finally {
      delete process.env.UYOOP_PARENT_ONLY;
    }
  });

  it('streams each line of stdout and stderr while the command runs', async () => {
    const lines: string[] = [];
    const r = await zxRunner.run(
      node,
      script(
        'console.log("one"); console.error("two"); process.stdout.write("three")',
      ),
      { onLine: l => lines.push(l) },
    );
    expect(lines.sort()).toEqual(['one', 'three', 'two']);
    expect(r.stdout).toBe('one\nthree');
  });

  it('stops a command at its timeout and says so', async () => {
    // The command would sleep a minute: only the timeout can end it in time.
    const run = zxRunner.run(node, script('setTimeout(() => {}, 60000)'), {
      timeoutMs: 300,
    });
    await expect(run).rejects.toThrow(/killed by SIGTERM \(timeout 300 ms\)/);
  });

  describe('pipe', () => {
    // 20 MB through the pipe: counted at the far end, never kept by the runner.
    const produce = script(
      'const b = Buffer.alloc(1 << 20, 97); for (let i = 0; i < 20; i++) process.stdout.write(b); console.error("dumped")',
    );
    const count = script(
      'let n = 0; process.stdin.on("data", c => (n += c.length)).on("end", () => console.log(n))',
    );

    it('streams what the first command prints into the second', async () => {
      const r = await zxRunner.pipe(
        { cmd: node, args: produce },
        { cmd: node, args: count },
      );
      expect(r.to.stdout.trim()).toBe(String(20 << 20));
      expect(r.from).toEqual({ code: 0, stdout: '', stderr: 'dumped\n' });
    });

    it('fails with the first command when it fails, after the second has seen the end of its input', async () => {
      const failing = script(
        'process.stdout.write("half a dump"); console.error("connection lost"); process.exit(4)',
      );
      const run = zxRunner.pipe(
        { cmd: node, args: failing },
        { cmd: node, args: count },
      );
      await expect(run).rejects.toThrow(/failed \(exit 4\): connection lost/);
      const r = await zxRunner.pipe(
        { cmd: node, args: failing, opts: { allowFail: true } },
        { cmd: node, args: count },
      );
      expect(r.from.code).toBe(4);
      expect(r.to.stdout.trim()).toBe(String('half a dump'.length));
    });
  });

  it('stops a command when its abort signal fires', async () => {
    const ac = new AbortController();
    const run = zxRunner.run(node, script('setTimeout(() => {}, 60000)'), {
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 200);
    await expect(run).rejects.toThrow(/aborted/);
  });

  it('never puts a redacted secret in its error, from the command line or the output', async () => {
    const secret = 'tok-3f9a7c1e55';
    const error = await zxRunner
      .run(
        node,
        [
          ...script(
            'console.log("token " + process.argv[1]); console.error("bad token " + process.argv[1]); process.exit(1)',
          ),
          secret,
        ],
        { secrets: [secret] },
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(CommandError);
    const seen = `${error.message} ${error.command} ${JSON.stringify(
      error.result,
    )}`;
    expect(seen).toContain('bad token ***');
    expect(seen).not.toContain(secret);
  });

  it('runs through a prefix', async () => {
    const r = await prefixedRunner(zxRunner, ['env', 'UYOOP_P=1']).run(
      node,
      script('console.log(process.env.UYOOP_P)'),
    );
    expect(r.stdout).toBe('1\n');
  });
});

describe('runSync', () => {
  it('returns the exit code and output, and throws a redacted error on failure', () => {
    expect(runSync(node, script('console.log("ok")')).stdout).toBe('ok\n');
    expect(
      runSync(node, script('process.exit(5)'), { allowFail: true }).code,
    ).toBe(5);
    expect(() =>
      runSync(
        node,
        [
          ...script('console.error(process.argv[1]); process.exit(2)'),
          'pw-secret-1',
        ],
        { secrets: ['pw-secret-1'] },
      ),
    ).toThrow(/failed \(exit 2\): \*\*\*$/);
  });

  it('stops at its timeout', () => {
    expect(() =>
      runSync(node, script('setTimeout(() => {}, 60000)'), { timeoutMs: 300 }),
    ).toThrow(/timeout 300 ms/);
  });
});

describe('services and daemons', () => {
  it('a service: its output, its exit code, and a stop that waits for it', async () => {
    const s = startService({
      cmd: node,
      args: script(
        'console.log("listening"); process.on("SIGTERM", () => { console.log("bye"); process.exit(0) }); setInterval(() => {}, 1000)',
      ),
    });
    for (let i = 0; i < 100 && !s.output().includes('listening'); i++)
      await new Promise(r => setTimeout(r, 50));
    expect(s.output()).toContain('listening');
    expect(s.exitCode()).toBeUndefined();
    await s.stop();
    expect(alive(s.pid)).toBe(false);
    expect(s.exitCode()).toBe(0);
    expect(s.output()).toContain('bye');
  });

  it('a service that ends by itself reports its exit code', async () => {
    const s = startService({ cmd: node, args: script('process.exit(7)') });
    expect((await s.exited).code).toBe(7);
    expect(s.exitCode()).toBe(7);
  });

  it('a daemon writes to its log and is stopped by pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-daemon-'));
    const logFile = join(dir, 'log');
    const pid = startDaemon({
      cmd: node,
      args: script('console.log("up"); setInterval(() => {}, 1000)'),
      logFile,
    });
    for (
      let i = 0;
      i < 100 && !readFileSync(logFile, 'utf8').includes('up');
      i++
    )
      await new Promise(r => setTimeout(r, 50));
    expect(readFileSync(logFile, 'utf8')).toContain('up');
    expect(alive(pid)).toBe(true);
    expect(await stopDaemon(pid, 2000)).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(await stopDaemon(pid)).toBe(false);
  });
});

describe('one real call per family of tools', () => {
  it('Kubernetes clients: kubectl', async () => {
    const r = await zxRunner.run('kubectl', [
      'version',
      '--client',
      '-o',
      'json',
    ]);
    expect(JSON.parse(r.stdout).clientVersion.gitVersion).toMatch(/^v1\./);
  });

  it('keys and certificates: openssl', async () => {
    const r = await zxRunner.run('openssl', ['rand', '-hex', '8']);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('remote hosts: ssh (its error is captured)', async () => {
    const r = await zxRunner.run('ssh', ['-o', 'BatchMode=yes', '-V'], {
      allowFail: true,
    });
    expect(r.stderr).toMatch(/OpenSSH/);
  });

  it('network: ip', async () => {
    const r = await zxRunner.run('ip', ['-j', 'link', 'show', 'lo']);
    expect(JSON.parse(r.stdout)[0].ifname).toBe('lo');
  });

  it('a missing tool is a clear error, not a hang', async () => {
    await expect(
      zxRunner.run('uyoop-no-such-tool', ['--version']),
    ).rejects.toThrow(/uyoop-no-such-tool --version failed \(exit 127\)/);
  });
});
