/**
 * Every command line of scripts/ and bench/, started as a user starts it: a misspelled
 * option is bad usage (exit 2, the error and the usage on stderr), never
 * silently ignored, and nothing runs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './load';
import { zxRunner } from './process';

const entryPoints = (dir: string) =>
  readdirSync(join(repoRoot, dir))
    .filter(f => f.endsWith('.ts'))
    .sort()
    .map(f => `${dir}/${f}`);
const scripts = entryPoints('scripts');

describe('scripts/*.ts and bench/*.ts', () => {
  it('are all here', () => {
    expect(scripts).toEqual([
      'scripts/archive.ts',
      'scripts/backend-image.ts',
      'scripts/backup.ts',
      'scripts/deploy.ts',
      'scripts/drp.ts',
      'scripts/finops.ts',
      'scripts/mesh.ts',
      'scripts/provision.ts',
      'scripts/test-all.ts',
      'scripts/testbed.ts',
      'scripts/uyoop.ts',
    ]);
  });

  it.each([...scripts, ...entryPoints('bench')])(
    '%s rejects an unknown option with exit 2 and its usage on stderr',
    async script => {
      const r = await zxRunner.run(
        join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [join(repoRoot, script), '--bogus'],
        { cwd: repoRoot, allowFail: true, timeoutMs: 120_000 },
      );
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Unknown option '--bogus'/);
      expect(r.stderr).toMatch(/^usage: /m);
    },
    150_000,
  );
});
