/*
 * Set-up progress with real bash steps: each step's name and log path, a
 * heartbeat while they run, the tail of a failed step's log, the durations.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duration, prepareSteps, prepareSummary, runPrepare } from './prepare';

describe('the set-up steps', () => {
  let dir: string;
  let steps: string;
  let logs: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'uyoop-prepare-'));
    steps = join(dir, 'prepare.d');
    logs = join(dir, 'results');
    mkdirSync(steps);
    mkdirSync(logs);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names each step with its log, beats while they run, shows the end of a failed log, and times each step', async () => {
    writeFileSync(
      join(steps, 'apt.sh'),
      'echo installing; sleep 1; echo installed\n',
    );
    writeFileSync(
      join(steps, 'rootfs.sh'),
      'for i in $(seq 1 30); do echo "debootstrap line $i"; done; sleep 0.5; exit 3\n',
    );
    writeFileSync(join(steps, 'README.md'), 'not a step\n');
    const lines: string[] = [];
    const results = await runPrepare(prepareSteps(steps, logs), {
      heartbeatMs: 200,
      print: l => lines.push(l),
    });
    const out = lines.join('\n');

    expect(results.map(r => [r.name, r.ok, r.exitCode])).toEqual([
      ['apt', true, 0],
      ['rootfs', false, 3],
    ]);
    expect(out).toContain(
      `prepare apt: started, log ${join(logs, 'prepare-apt.log')}`,
    );
    expect(out).toContain(
      `prepare rootfs: started, log ${join(logs, 'prepare-rootfs.log')}`,
    );
    // The heartbeat names the step still running, its elapsed time and log.
    expect(out).toMatch(
      new RegExp(
        `prepare apt: running for \\d+s, log ${join(logs, 'prepare-apt.log')}`,
      ),
    );
    // The failure shows the last 20 lines of the log, not the whole log.
    expect(out).toContain('prepare rootfs: FAILED (exit 3)');
    expect(out).toContain('  | debootstrap line 30');
    expect(out).toContain('  | debootstrap line 11');
    expect(out).not.toContain('  | debootstrap line 10\n');
    // The step's output went to its log, whole.
    expect(readFileSync(join(logs, 'prepare-apt.log'), 'utf8')).toBe(
      'installing\ninstalled\n',
    );

    expect(results[0].ms).toBeGreaterThanOrEqual(1000);
    expect(prepareSummary(results)).toBe(
      [
        'prepare summary:',
        `  apt     ok      ${duration(results[0].ms)}`,
        `  rootfs  FAILED  ${duration(results[1].ms)}`,
      ].join('\n'),
    );
  });

  it('gives no heartbeat once every step has ended', async () => {
    writeFileSync(join(steps, 'quick.sh'), 'true\n');
    const lines: string[] = [];
    await runPrepare(prepareSteps(steps, logs), {
      heartbeatMs: 50,
      print: l => lines.push(l),
    });
    const atEnd = lines.length;
    await new Promise(r => setTimeout(r, 300));
    expect(lines.slice(atEnd)).toEqual([]);
  });

  it('writes durations as a person reads them', () => {
    expect(duration(4200)).toBe('4s');
    expect(duration(75_000)).toBe('1m15s');
    expect(duration(25 * 60_000 + 3000)).toBe('25m03s');
  });
});
