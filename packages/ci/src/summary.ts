/**
 * The suite's summary, read from the reports the test runners write: jest's
 * `--json` output and Playwright's JSON reporter. Every test a report lists is
 * counted as passed, failed or skipped; a test that was listed but did not run
 * (skipped, todo, a file that crashed before its tests ran) is what makes the
 * executed count drop, and the suite fails on it.
 */
import { readFileSync } from 'node:fs';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface TestCase {
  /** The report it comes from, e.g. `jest.json`. */
  report: string;
  /** File and full name, as a person would look it up. */
  name: string;
  outcome: Outcome;
}

export interface ReportProblem {
  report: string;
  message: string;
}

export interface ReportSummary {
  tests: TestCase[];
  /** Failures that are not a test: a missing report, a file that did not load, a web server that did not start. */
  problems: ReportProblem[];
}

export interface SuiteSummary extends ReportSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Tests the reports list. */
  listed: number;
  /** Tests that ran (passed or failed). */
  executed: number;
}

/** A jest `--json` report: only the fields read here. */
interface JestReport {
  numRuntimeErrorTestSuites?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    testExecError?: { message?: string };
    assertionResults: { fullName: string; status: string }[];
  }[];
}

/** A Playwright JSON report: only the fields read here. */
interface PlaywrightSuite {
  title: string;
  file?: string;
  specs?: {
    title: string;
    file?: string;
    tests: { projectName?: string; status: string }[];
  }[];
  suites?: PlaywrightSuite[];
}
interface PlaywrightReport {
  config?: { rootDir?: string };
  suites: PlaywrightSuite[];
  errors?: { message?: string }[];
}

function jestOutcome(status: string): Outcome {
  if (status === 'passed') return 'passed';
  if (status === 'failed') return 'failed';
  // pending (it.skip), todo (it.todo), skipped and disabled (focused runs)
  return 'skipped';
}

/** The first line that says something (jest starts with a "● Test suite failed to run" heading). */
/**
 * expected: passed as expected; flaky: passed on a retry; unexpected: failed;
 * skipped: test.skip or fixme, or never reached.
 */
function playwrightOutcome(status: string): Outcome {
  if (status === 'expected' || status === 'flaky') return 'passed';
  if (status === 'skipped') return 'skipped';
  return 'failed';
}

function firstLine(text: string | undefined): string {
  return (
    (text ?? '')
      .split('\n')
      .map(l => l.trim())
      .find(l => l && !/^●/.test(l)) ?? ''
  );
}

/** Reads a jest `--json` report. */
export function summarizeJest(report: string, json: unknown): ReportSummary {
  const data = json as JestReport;
  if (!data || !Array.isArray(data.testResults))
    return {
      tests: [],
      problems: [{ report, message: 'not a jest JSON report' }],
    };
  const tests: TestCase[] = [];
  const problems: ReportProblem[] = [];
  for (const file of data.testResults) {
    for (const a of file.assertionResults)
      tests.push({
        report,
        name: `${file.name} › ${a.fullName}`,
        outcome: jestOutcome(a.status),
      });
    // A file that failed to load lists no tests but fails the run.
    if (file.status === 'failed' && file.assertionResults.length === 0)
      problems.push({
        report,
        message: `${file.name} did not run: ${firstLine(
          file.testExecError?.message || file.message,
        )}`,
      });
  }
  return { tests, problems };
}

/** Reads a Playwright JSON report (one test per spec and project). */
export function summarizePlaywright(
  report: string,
  json: unknown,
): ReportSummary {
  const data = json as PlaywrightReport;
  if (!data || !Array.isArray(data.suites))
    return {
      tests: [],
      problems: [{ report, message: 'not a Playwright JSON report' }],
    };
  const tests: TestCase[] = [];
  const walk = (suite: PlaywrightSuite, path: string[]) => {
    const here = suite.title ? [...path, suite.title] : path;
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests)
        tests.push({
          report,
          name: [...here, spec.title].join(' › '),
          outcome: playwrightOutcome(test.status),
        });
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of data.suites) walk(suite, []);
  // Errors outside tests: a web server that did not start, a file that did not load.
  const problems = (data.errors ?? []).map(e => ({
    report,
    message: firstLine(e.message) || 'error outside a test',
  }));
  return { tests, problems };
}

export type ReportKind = 'jest' | 'playwright';

/** Reads one report file; a missing or unreadable file is a problem, not a crash. */
export function readReport(kind: ReportKind, file: string): ReportSummary {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      tests: [],
      problems: [
        {
          report: file,
          message:
            err.code === 'ENOENT'
              ? 'no report: the step did not run to the end'
              : `unreadable report: ${err.message}`,
        },
      ],
    };
  }
  return kind === 'jest'
    ? summarizeJest(file, json)
    : summarizePlaywright(file, json);
}

/** Adds up the reports of a suite run. */
export function summarize(reports: ReportSummary[]): SuiteSummary {
  const tests = reports.flatMap(r => r.tests);
  const problems = reports.flatMap(r => r.problems);
  const count = (o: Outcome) => tests.filter(t => t.outcome === o).length;
  const passed = count('passed');
  const failed = count('failed');
  const skipped = count('skipped');
  return {
    tests,
    problems,
    passed,
    // Each problem counts as one failure, so a run that could not start is never green.
    failed: failed + problems.length,
    skipped,
    listed: tests.length,
    executed: passed + failed,
  };
}

/** The one line the suite ends with. */
export function summaryLine(s: SuiteSummary): string {
  return `tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
}

/**
 * Why the run is not green, one reason a line; empty when it is. A run fails
 * on a failed test, on a problem, and when fewer tests ran than the reports
 * list (the skipped ones are named, so that none disappears silently).
 */
export function verdict(s: SuiteSummary): string[] {
  const reasons: string[] = [];
  for (const t of s.tests.filter(x => x.outcome === 'failed'))
    reasons.push(`failed: ${t.name}`);
  for (const p of s.problems) reasons.push(`${p.report}: ${p.message}`);
  if (s.executed < s.listed) {
    reasons.push(
      `${s.executed} of the ${s.listed} listed tests ran; not run:`,
      ...s.tests
        .filter(x => x.outcome === 'skipped')
        .map(t => `  skipped: ${t.name}`),
    );
  }
  return reasons;
}
