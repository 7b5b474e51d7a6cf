/*
 * The summary read from real reports: fixtures/generate.sh runs jest and
 * Playwright on fixture tests of every outcome and keeps their JSON reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReport, summarize, summaryLine, verdict } from './summary';

const fixtures = join(__dirname, '..', 'fixtures');
const jestReport = () => readReport('jest', join(fixtures, 'jest-report.json'));
const playwrightReport = () =>
  readReport('playwright', join(fixtures, 'playwright-report.json'));

describe('the suite summary', () => {
  it('counts passed, failed and skipped tests of a jest report, and a file that did not load', () => {
    const s = summarize([jestReport()]);
    // outcomes.fixture.js: 1 passed, 1 failed, it.skip + it.todo skipped;
    // broken.fixture.js fails to load and lists no test: one more failure.
    expect(summaryLine(s)).toBe('tests: 1 passed, 2 failed, 2 skipped');
    expect(s.problems).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /broken\.fixture\.js did not run: .*no-such-module/,
        ),
      }),
    ]);
  });

  it('counts passed, failed and skipped tests of a Playwright report', () => {
    const s = summarize([playwrightReport()]);
    // test.skip and test.fixme are both skipped.
    expect(summaryLine(s)).toBe('tests: 1 passed, 1 failed, 2 skipped');
  });

  it('adds up the reports of a run', () => {
    expect(summaryLine(summarize([jestReport(), playwrightReport()]))).toBe(
      'tests: 2 passed, 3 failed, 4 skipped',
    );
  });

  it('fails the run when fewer tests ran than the reports list, naming each test that did not run', () => {
    const s = summarize([jestReport(), playwrightReport()]);
    expect(s.listed).toBe(8);
    expect(s.executed).toBe(4);
    const reasons = verdict(s);
    expect(reasons).toContain('4 of the 8 listed tests ran; not run:');
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/skipped: .*outcomes is skipped$/),
        expect.stringMatching(/skipped: .*outcomes is still to write$/),
        expect.stringMatching(/skipped: .*outcomes › is not fixed yet$/),
      ]),
    );
  });

  it('is green only when every listed test ran and passed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-summary-'));
    try {
      // The real jest report, reduced to its passing test.
      const report = require(join(fixtures, 'jest-report.json'));
      const file = report.testResults.find((f: { name: string }) =>
        f.name.includes('outcomes'),
      );
      file.assertionResults = file.assertionResults.filter(
        (a: { status: string }) => a.status === 'passed',
      );
      report.testResults = [file];
      writeFileSync(join(dir, 'jest.json'), JSON.stringify(report));
      const s = summarize([readReport('jest', join(dir, 'jest.json'))]);
      expect(summaryLine(s)).toBe('tests: 1 passed, 0 failed, 0 skipped');
      expect(verdict(s)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a missing or broken report as a failure with its reason, never as zero tests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-summary-'));
    try {
      writeFileSync(join(dir, 'e2e.json'), '{"truncated": ');
      const s = summarize([
        readReport('jest', join(dir, 'jest.json')),
        readReport('playwright', join(dir, 'e2e.json')),
      ]);
      expect(summaryLine(s)).toBe('tests: 0 passed, 2 failed, 0 skipped');
      expect(verdict(s)).toEqual([
        expect.stringMatching(/jest\.json: no report: the step did not run/),
        expect.stringMatching(/e2e\.json: unreadable report/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts errors outside tests in a Playwright report as failures (a web server that did not start)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-summary-'));
    try {
      // What Playwright writes when the portal it waits for never comes up.
      const report = require(join(fixtures, 'playwright-report.json'));
      writeFileSync(
        join(dir, 'e2e.json'),
        JSON.stringify({
          ...report,
          suites: [],
          errors: [
            { message: 'Error: Process from config.webServer exited early.' },
          ],
        }),
      );
      const s = summarize([readReport('playwright', join(dir, 'e2e.json'))]);
      expect(summaryLine(s)).toBe('tests: 0 passed, 1 failed, 0 skipped');
      expect(verdict(s)).toEqual([
        expect.stringMatching(
          /e2e\.json: Error: Process from config\.webServer exited early/,
        ),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
