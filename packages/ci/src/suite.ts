/**
 * `npm test`: the whole suite, in this order: set-up (prepare.d), type check;
 * unit and integration tests (jest) against the real backend and the testbed,
 * brought up once for the run; browser end-to-end tests against the portal on
 * that testbed; then Ansible on two systemd nodes and the testbed's own life
 * cycle, each on its own so that nothing starves them of the machine's cores.
 * Ends with `tests: N passed, N failed, N skipped`, read from the reports.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import {
  duration,
  prepareSteps,
  prepareSummary,
  runPrepare,
  tail,
} from './prepare';
import {
  readReport,
  ReportKind,
  summarize,
  summaryLine,
  SuiteSummary,
  verdict,
} from './summary';

/** One command of the suite. */
export interface SuiteCommand {
  title: string;
  /** Arguments to yarn. */
  yarn: string[];
  env?: Record<string, string>;
  /** Output to this file instead of the terminal (its tail is shown on failure). */
  log?: string;
}

/** Runs a yarn command; resolves with its exit code. Injectable for tests. */
export type Exec = (command: SuiteCommand) => Promise<number>;

export interface SuiteReport {
  kind: ReportKind;
  file: string;
}

export function suiteReports(results: string): SuiteReport[] {
  return [
    { kind: 'jest', file: join(results, 'jest.json') },
    { kind: 'playwright', file: join(results, 'e2e.json') },
    { kind: 'jest', file: join(results, 'jest-nodes.json') },
    { kind: 'jest', file: join(results, 'jest-lifecycle.json') },
  ];
}

/** The suite's commands, keyed by role; `runSuite` decides the order and the clean-up. */
export function suiteCommands(results: string) {
  const jest = (patterns: string[], report: string) => [
    'backstage-cli',
    'repo',
    'test',
    ...patterns,
    '--json',
    `--outputFile=${join(results, report)}`,
  ];
  return {
    typeCheck: { title: 'type check', yarn: ['tsc'] },
    testbedUp: {
      title: 'testbed up',
      yarn: ['testbed', 'up'],
      log: join(results, 'testbed-up.log'),
    },
    unit: {
      title: 'unit and integration tests',
      yarn: jest(
        [
          '--testPathIgnorePatterns',
          'lifecycle\\.test',
          'nodes\\.integration\\.test',
        ],
        'jest.json',
      ),
    },
    e2e: {
      title: 'browser end-to-end tests (portal on the testbed)',
      yarn: ['playwright', 'test', '--reporter=list,json'],
      env: {
        E2E_PORTAL: 'start:testbed',
        PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, 'e2e.json'),
      },
    },
    testbedDown: {
      title: 'testbed down',
      yarn: ['testbed', 'down'],
      log: join(results, 'testbed-down.log'),
    },
    nodes: {
      title: 'Ansible on two systemd nodes',
      yarn: jest(
        [
          '--testPathPatterns',
          'packages/provision/src/testing/nodes\\.integration\\.test',
        ],
        'jest-nodes.json',
      ),
    },
    lifecycle: {
      title: 'testbed life cycle',
      yarn: jest(
        ['--testPathPatterns', 'packages/testbed/src/lifecycle\\.test'],
        'jest-lifecycle.json',
      ),
    },
  } satisfies Record<string, SuiteCommand>;
}

export interface SuiteOutcome {
  summary: SuiteSummary;
  /** Why the run is red; empty when green. */
  reasons: string[];
  exitCode: 0 | 1;
}

/**
 * Runs the suite's commands in the order of today's suite. A failed step does
 * not stop the run (every report is still written), but fails it. The testbed
 * is brought down whatever happens once it may be up.
 */
export async function runSuite(
  results: string,
  exec: Exec,
  print: (line: string) => void = l => console.error(l),
): Promise<SuiteOutcome> {
  const c = suiteCommands(results);
  let stepFailed = false;
  let testbedUp = false;
  const step = async (command: SuiteCommand) => {
    print(`[uyoop] ${command.title}`);
    const t0 = Date.now();
    const code = await exec(command);
    if (code !== 0) {
      stepFailed = true;
      print(
        `[uyoop] ${command.title} failed (exit ${code}) after ${duration(
          Date.now() - t0,
        )}${command.log ? `, see ${command.log}` : ''}`,
      );
      if (command.log) print(tail(command.log, 20));
    }
    return code === 0;
  };
  const stopTestbed = async () => {
    if (!testbedUp) return;
    testbedUp = false;
    await exec(c.testbedDown); // best effort, as the life-cycle test may have stopped it
  };
  try {
    await step(c.typeCheck);
    testbedUp = await step(c.testbedUp);
    await step(c.unit);
    await step(c.e2e);
    await stopTestbed();
    await step(c.nodes);
    testbedUp = true; // the life-cycle test ends with down; if it fails half-way, it is still stopped
    await step(c.lifecycle);
  } finally {
    await stopTestbed();
  }
  const summary = summarize(
    suiteReports(results).map(r => readReport(r.kind, r.file)),
  );
  const reasons = verdict(summary);
  if (stepFailed && reasons.length === 0)
    reasons.push('a step failed (see above)');
  return { summary, reasons, exitCode: reasons.length ? 1 : 0 };
}

/** Runs yarn with Node's own binary, in the repository, output to the terminal or a log. */
export function yarnExec(repoRoot: string, yarnRelease: string): Exec {
  return async command => {
    const log = command.log ? openSync(command.log, 'w') : undefined;
    try {
      const out = await $({
        cwd: repoRoot,
        env: { ...process.env, ...command.env },
        stdio: log === undefined ? 'inherit' : ['ignore', log, log],
        nothrow: true,
        verbose: false,
      })`${[process.execPath, yarnRelease, ...command.yarn]}`;
      return out.exitCode ?? 1;
    } finally {
      if (log !== undefined) closeSync(log);
    }
  };
}

/** The whole of `npm test`: set-up, then the suite; returns the exit code. */
export async function main(repoRoot: string): Promise<number> {
  const results = join(repoRoot, 'node_modules/.cache/uyoop-test-results');
  mkdirSync(results, { recursive: true });
  for (const f of readdirSync(results))
    if (f.endsWith('.json')) rmSync(join(results, f));
  const print = (line: string) => console.error(line);

  // Setup steps (apt packages, cached builds): in parallel, each idempotent.
  const steps = prepareSteps(join(repoRoot, 'scripts/prepare.d'), results);
  print(`[uyoop] preparing: ${steps.map(s => s.name).join(' ')}`);
  const prepared = await runPrepare(steps, { print });
  print(prepareSummary(prepared));
  if (prepared.some(s => !s.ok)) {
    console.log('tests: 0 passed, 1 failed, 0 skipped');
    return 1;
  }

  const yarnRelease = join(
    repoRoot,
    '.yarn/releases',
    readdirSync(join(repoRoot, '.yarn/releases')).sort()[0],
  );
  const outcome = await runSuite(
    results,
    yarnExec(repoRoot, yarnRelease),
    print,
  );
  for (const reason of outcome.reasons) print(reason);
  console.log(summaryLine(outcome.summary));
  return outcome.exitCode;
}
