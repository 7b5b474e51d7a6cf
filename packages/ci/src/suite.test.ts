/*
 * The suite's order and clean-up, with a recording runner in place of yarn;
 * the reports it reads are the real ones from fixtures/.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuite, SuiteCommand, yarnExec } from './suite';

const fixtures = join(__dirname, '..', 'fixtures');

describe('the suite', () => {
  let results: string;
  beforeEach(() => {
    results = mkdtempSync(join(tmpdir(), 'uyoop-suite-'));
  });
  afterEach(() => rmSync(results, { recursive: true, force: true }));

  /** Each command "runs" by writing the report it would write; `failing` titles exit 1. */
  const recorder = (failing: string[] = []) => {
    const ran: string[] = [];
    const exec = async (c: SuiteCommand) => {
      ran.push(c.title);
      const out = c.yarn.find(a => a.startsWith('--outputFile='));
      if (out)
        copyFileSync(join(fixtures, 'jest-report.json'), out.split('=')[1]);
      if (c.env?.PLAYWRIGHT_JSON_OUTPUT_NAME)
        copyFileSync(
          join(fixtures, 'playwright-report.json'),
          c.env.PLAYWRIGHT_JSON_OUTPUT_NAME,
        );
      return failing.includes(c.title) ? 1 : 0;
    };
    return { ran, exec };
  };

  it('runs the steps in order and brings the testbed down before the node lab', async () => {
    const { ran, exec } = recorder();
    await runSuite(results, exec, () => undefined);
    expect(ran).toEqual([
      'type check',
      'testbed up',
      'unit and integration tests',
      'browser end-to-end tests (portal on the testbed)',
      'testbed down',
      'Ansible on two systemd nodes',
      'testbed life cycle',
      'testbed down',
    ]);
  });

  it('keeps going after a failed step, and still brings the testbed down', async () => {
    const { ran, exec } = recorder([
      'browser end-to-end tests (portal on the testbed)',
      'testbed life cycle',
    ]);
    const outcome = await runSuite(results, exec, () => undefined);
    expect(ran.slice(4)).toEqual([
      'testbed down',
      'Ansible on two systemd nodes',
      'testbed life cycle',
      'testbed down',
    ]);
    expect(outcome.exitCode).toBe(1);
  });

  it('does not bring down a testbed that did not come up', async () => {
    const { ran, exec } = recorder(['testbed up']);
    await runSuite(results, exec, () => undefined);
    expect(ran.slice(0, 5)).toEqual([
      'type check',
      'testbed up',
      'unit and integration tests',
      'browser end-to-end tests (portal on the testbed)',
      'Ansible on two systemd nodes',
    ]);
  });

  it('sums the four reports into the summary, and fails on what did not run', async () => {
    const { exec } = recorder();
    const outcome = await runSuite(results, exec, () => undefined);
    // Three jest reports (1 passed, 1 failed, 2 skipped, 1 file that did not
    // load, each) and one Playwright report (1 passed, 1 failed, 2 skipped).
    expect(outcome.summary).toMatchObject({ passed: 4, failed: 7, skipped: 8 });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.reasons).toContain('8 of the 16 listed tests ran; not run:');
  });

  it('fails on a report that is missing, even when every command exited 0', async () => {
    const ran: string[] = [];
    const outcome = await runSuite(
      results,
      async c => {
        ran.push(c.title);
        return 0;
      },
      () => undefined,
    );
    expect(outcome.exitCode).toBe(1);
    expect(outcome.summary.failed).toBe(4);
  });
});

describe('the yarn commands of the suite', () => {
  jest.setTimeout(60_000);
  const repoRoot = join(__dirname, '..', '..', '..');
  const exec = yarnExec(
    repoRoot,
    join(repoRoot, '.yarn/releases/yarn-4.13.0.cjs'),
  );

  it('runs yarn in the repository, its output in the step log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-suite-'));
    try {
      const log = join(dir, 'version.log');
      expect(
        await exec({ title: 'yarn version', yarn: ['--version'], log }),
      ).toBe(0);
      expect(readFileSync(log, 'utf8').trim()).toBe('4.13.0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns the exit code of a failed command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-suite-'));
    try {
      const log = join(dir, 'missing.log');
      expect(
        await exec({ title: 'missing', yarn: ['run', 'no-such-script'], log }),
      ).not.toBe(0);
      expect(readFileSync(log, 'utf8')).toContain('no-such-script');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
