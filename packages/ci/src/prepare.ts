/**
 * The suite's set-up: every scripts/prepare.d/*.sh step runs in parallel, each
 * logging to a file of its own. Someone watching sees each step start (with
 * its log path), a heartbeat with the elapsed time while steps run, the tail
 * of the log of a step that failed, and at the end how long each step took.
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { $ } from 'zx';

export interface PrepareStep {
  name: string;
  script: string;
  log: string;
}

export interface StepResult extends PrepareStep {
  ok: boolean;
  exitCode: number | null;
  ms: number;
}

export interface PrepareOptions {
  /** Between two heartbeat lines (20 s: a newcomer never waits 30 s without news). */
  heartbeatMs?: number;
  /** Lines of a failed step's log that are shown. */
  tailLines?: number;
  /** Where progress lines go. */
  print?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The steps of a prepare.d folder, in name order, each with its log in `logDir`. */
export function prepareSteps(dir: string, logDir: string): PrepareStep[] {
  return readdirSync(dir)
    .filter(f => f.endsWith('.sh'))
    .sort()
    .map(f => {
      const name = basename(f, '.sh');
      return {
        name,
        script: join(dir, f),
        log: join(logDir, `prepare-${name}.log`),
      };
    });
}

/** 75000 -> "1m15s", 4200 -> "4s". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').replace(/\n$/, '');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function runStep(
  step: PrepareStep,
  env: NodeJS.ProcessEnv,
): Promise<number | null> {
  const log = openSync(step.log, 'w');
  try {
    const out = await $({
      stdio: ['ignore', log, log],
      env,
      nothrow: true,
      quiet: true,
      verbose: false,
    })`bash ${step.script}`;
    return out.exitCode;
  } finally {
    closeSync(log);
  }
}

/** Runs the steps in parallel; resolves when all have ended, with each one's result. */
export async function runPrepare(
  steps: PrepareStep[],
  options: PrepareOptions = {},
): Promise<StepResult[]> {
  const print = options.print ?? ((line: string) => console.error(line));
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  const tailLines = options.tailLines ?? 20;
  const started = Date.now();
  const running = new Map<string, PrepareStep>();

  for (const step of steps)
    print(`prepare ${step.name}: started, log ${step.log}`);
  const heartbeat = setInterval(() => {
    const elapsed = duration(Date.now() - started);
    for (const step of running.values())
      print(`prepare ${step.name}: running for ${elapsed}, log ${step.log}`);
  }, heartbeatMs);

  try {
    return await Promise.all(
      steps.map(async step => {
        running.set(step.name, step);
        const t0 = Date.now();
        const exitCode = await runStep(step, options.env ?? process.env);
        const ms = Date.now() - t0;
        running.delete(step.name);
        const ok = exitCode === 0;
        if (ok) print(`prepare ${step.name}: done in ${duration(ms)}`);
        else
          print(
            `prepare ${step.name}: FAILED (exit ${exitCode}) after ${duration(
              ms,
            )}, log ${step.log}; its last lines:\n${tail(step.log, tailLines)
              .split('\n')
              .map(l => `  | ${l}`)
              .join('\n')}`,
          );
        return { ...step, ok, exitCode, ms };
      }),
    );
  } finally {
    clearInterval(heartbeat);
  }
}

/** The closing table: each step, its outcome and how long it took. */
export function prepareSummary(results: StepResult[]): string {
  const width = Math.max(...results.map(r => r.name.length), 4);
  return [
    'prepare summary:',
    ...results.map(
      r =>
        `  ${r.name.padEnd(width)}  ${(r.ok ? 'ok' : 'FAILED').padEnd(
          6,
        )}  ${duration(r.ms)}`,
    ),
  ].join('\n');
}
