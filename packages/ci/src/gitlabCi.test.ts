/*
 * The repository's own GitLab pipeline (.gitlab-ci.yml), read by
 * gitlab-ci-local as GitLab would: validated against the GitLab CI schema,
 * expanded, and listed per branch. Nothing runs: no job is started.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, zxRunner } from '@internal/platform';

const cli = require.resolve('gitlab-ci-local/dist/index.js');

describe('.gitlab-ci.yml', () => {
  let dir: string;
  const git = (...args: string[]) =>
    zxRunner.run(
      'git',
      ['-c', 'user.name=ci', '-c', 'user.email=ci@uyoop.fr', ...args],
      { cwd: dir },
    );
  const gitlabCiLocal = (...args: string[]) =>
    zxRunner.run(process.execPath, [cli, ...args], {
      cwd: dir,
      allowFail: true,
      timeoutMs: 120_000,
    });
  const jobs = async () => {
    const r = await gitlabCiLocal('--list-json');
    expect(r.code).toBe(0);
    return Object.fromEntries(
      (
        JSON.parse(r.stdout) as { name: string; when: string; stage: string }[]
      ).map(j => [j.name, `${j.stage}:${j.when}`]),
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'uyoop-gitlab-ci-'));
    await copyFile(
      join(repoRoot, '.gitlab-ci.yml'),
      join(dir, '.gitlab-ci.yml'),
    );
    await git('init', '-q', '-b', 'main');
    await git(
      'remote',
      'add',
      'origin',
      'https://gitlab.uyoop.fr/uyoop/platform.git',
    );
    await git('add', '.');
    await git('commit', '-q', '-m', 'pipeline');
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes the GitLab CI schema, with lint, the tests, Trivy, SonarQube and the deploy', async () => {
    const r = await gitlabCiLocal('--preview', '--json-schema-validation');
    expect(r.code).toBe(0);
    const preview = parse(r.stdout.slice(r.stdout.indexOf('---')));
    expect(preview.stages).toEqual([
      '.pre',
      'lint',
      'test',
      'scan',
      'deploy',
      '.post',
    ]);
    expect(preview.test.script).toEqual(['npm test']);
    expect(preview['trivy-config'].script.join('\n')).toMatch(
      /trivy config --exit-code 1/,
    );
    expect(preview.sonarqube.script.join('\n')).toMatch(
      /sonar\.qualitygate\.wait=true/,
    );
    expect(preview.deploy.script).toEqual([
      'yarn deploy --dry-run=server',
      'yarn deploy --prune',
    ]);
  });

  it('deploys from main only, after every check', async () => {
    expect(await jobs()).toEqual({
      lint: 'lint:on_success',
      test: 'test:on_success',
      'trivy-config': 'scan:on_success',
      sonarqube: 'scan:on_success',
      deploy: 'deploy:on_success',
    });
    await git('checkout', '-q', '-b', 'feature/new-service');
    try {
      expect(await jobs()).toMatchObject({
        deploy: 'deploy:never',
        test: 'test:on_success',
      });
    } finally {
      await git('checkout', '-q', 'main');
    }
  });

  it('is refused, naming the job, when a job has no script', async () => {
    const good = await readFile(join(dir, '.gitlab-ci.yml'), 'utf8');
    try {
      await writeFile(
        join(dir, '.gitlab-ci.yml'),
        good.replace('  script:\n    - npm test', '  scripts:\n    - npm test'),
      );
      const r = await gitlabCiLocal('--preview', '--json-schema-validation');
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}\n${r.stderr}`).toMatch(
        /test must have script specified/,
      );
    } finally {
      await writeFile(join(dir, '.gitlab-ci.yml'), good);
    }
  });
});
