/*
 * Integration: the golden path as production runs it. The real backend,
 * configured as app-config.production.yaml configures its forge
 * (integrations.gitlab and uyoop.scaffolder.gitlab), runs the web-service
 * template with Backstage's publish:gitlab; the catalog then reads the new
 * repository through its GitLab URL reader. GitLab is the one piece that
 * cannot run here: a local server speaking its REST API, over real git
 * repositories (git http-backend), stands in for it.
 */
import { randomBytes } from 'node:crypto';
import { zxRunner } from '@internal/platform';
import { until } from '@internal/testbed';
import { GitlabStandIn, startGitlabStandIn } from './testing/gitlab';
import {
  runTemplate,
  ScaffolderBackend,
  startScaffolderBackend,
} from './testing/scaffolder';

jest.setTimeout(240_000);

describe('a golden path published to GitLab', () => {
  const token = randomBytes(20).toString('hex');
  let gitlab: GitlabStandIn;
  let scaffolder: ScaffolderBackend;

  beforeAll(async () => {
    gitlab = await startGitlabStandIn({ token, groups: ['uyoop'] });
    scaffolder = await startScaffolderBackend({
      APP_CONFIG_integrations_gitlab: JSON.stringify([
        {
          host: gitlab.host,
          baseUrl: gitlab.baseUrl,
          apiBaseUrl: gitlab.apiBaseUrl,
          token,
        },
      ]),
      APP_CONFIG_uyoop_scaffolder_gitlab: JSON.stringify({
        host: gitlab.host,
        group: 'uyoop',
      }),
    });
  });

  afterAll(async () => {
    await scaffolder?.backend.stop();
    await gitlab?.stop();
  });

  const values = {
    name: 'hello-gitlab',
    description: 'Published to GitLab',
    owner: 'group:default/developers',
    system: 'system:default/web',
    node: 'resource:default/core-prod',
    tier: 'prod',
    port: 8080,
  };

  it('creates a private project in the group, pushes one commit, and the catalog reads the service from GitLab', async () => {
    const run = await runTemplate(
      scaffolder,
      'template:default/web-service',
      values,
    );
    if (run.task.status !== 'completed')
      throw new Error(`task ${run.task.status}: ${run.events.slice(-3000)}`);
    process.stdout.write(
      `web-service run through publish:gitlab: ${run.seconds.toFixed(1)} s\n`,
    );
    expect(run.events).toContain('Beginning step Publish to GitLab');
    expect(run.events).toContain(
      'Skipping step local because its if condition was false',
    );

    expect(gitlab.projects()).toEqual([
      expect.objectContaining({
        pathWithNamespace: 'uyoop/hello-gitlab',
        visibility: 'private',
        defaultBranch: 'main',
      }),
    ]);
    const git = (...args: string[]) =>
      zxRunner.run('git', [
        '--git-dir',
        `${gitlab.root}/uyoop/hello-gitlab.git`,
        ...args,
      ]);
    expect((await git('rev-list', '--count', 'main')).stdout.trim()).toBe('1');
    expect(
      (await git('ls-tree', '-r', '--name-only', 'main')).stdout.split('\n'),
    ).toEqual(
      expect.arrayContaining([
        '.gitlab-ci.yml',
        'Dockerfile',
        'catalog-info.yaml',
        'manifests/prod-hello-gitlab.yaml',
      ]),
    );

    const project = `${gitlab.baseUrl}/uyoop/hello-gitlab`;
    expect(run.links.find(l => l.title === 'Repository')?.url).toBe(project);
    const entity = await until(
      'component hello-gitlab in the catalog',
      async () => {
        const res = await fetch(
          `${scaffolder.baseUrl}/api/catalog/entities/by-name/component/default/hello-gitlab`,
          { headers: { authorization: `Bearer ${scaffolder.token}` } },
        );
        return res.ok
          ? ((await res.json()) as {
              metadata: { annotations: Record<string, string> };
              spec: { owner: string };
            })
          : undefined;
      },
      90_000,
    );
    expect(entity.spec.owner).toBe('developers');
    expect(
      entity.metadata.annotations['backstage.io/managed-by-location'],
    ).toBe(`url:${project}/-/blob/main/catalog-info.yaml`);
  });

  it('refuses a second service of the same name: GitLab says so, and the first repository keeps its one commit', async () => {
    const run = await runTemplate(scaffolder, 'template:default/web-service', {
      ...values,
      description: 'Again',
    });
    expect(run.task.status).toBe('failed');
    expect(run.events).toContain('has already been taken');
    const log = await zxRunner.run('git', [
      '--git-dir',
      `${gitlab.root}/uyoop/hello-gitlab.git`,
      'rev-list',
      '--count',
      'main',
    ]);
    expect(log.stdout.trim()).toBe('1');
  });
});
