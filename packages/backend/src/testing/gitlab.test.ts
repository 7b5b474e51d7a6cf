/*
 * The GitLab stand-in against the real clients production uses with GitLab:
 * Backstage's `publish:gitlab` action (gitbeaker for the API, isomorphic-git
 * for the push) and the catalog's GitlabUrlReader. The repositories it leaves
 * are checked with the real git.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createPublishGitlabAction } from '@backstage/plugin-scaffolder-backend-module-gitlab';
import { initRepoAndPush } from '@backstage/plugin-scaffolder-node';
import { zxRunner } from '@internal/platform';
import { GitlabStandIn, startGitlabStandIn } from './gitlab';

jest.setTimeout(60_000);

const TOKEN = 'glpat-stand-in-token';
const GROUP = 'uyoop';
const REPO = 'payments-api';
const FILES: Record<string, string> = {
  'catalog-info.yaml': [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${REPO}`,
    'spec:',
    '  type: service',
    '  lifecycle: experimental',
    '  owner: group:default/platform',
    '',
  ].join('\n'),
  'README.md': `# ${REPO}\n\nScaffolded — with non-ASCII bytes: é ✓\n`,
  'docs/index.md': '# Docs\n',
};

describe('the GitLab stand-in, with the real GitLab clients', () => {
  let gitlab: GitlabStandIn;
  let scratch: string;
  const configFor = (token: string) =>
    new ConfigReader({
      integrations: {
        gitlab: [
          {
            host: gitlab.host,
            baseUrl: gitlab.baseUrl,
            apiBaseUrl: gitlab.apiBaseUrl,
            token,
          },
        ],
      },
    });

  /** A workspace holding FILES, as the scaffolder's earlier steps leave it. */
  const workspace = async () => {
    const dir = await mkdtemp(join(scratch, 'workspace-'));
    for (const [path, content] of Object.entries(FILES)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    return dir;
  };

  /** Runs the real `publish:gitlab` handler; resolves with its outputs. */
  const publish = async (token = TOKEN) => {
    const config = configFor(token);
    const action = createPublishGitlabAction({
      integrations: ScmIntegrations.fromConfig(config),
      config,
    });
    const outputs: Record<string, unknown> = {};
    const ctx = {
      input: {
        repoUrl: `${gitlab.host}?owner=${GROUP}&repo=${REPO}`,
        defaultBranch: 'main',
        repoVisibility: 'private' as const,
      },
      workspacePath: await workspace(),
      logger: mockServices.logger.mock(),
      output: (name: string, value: unknown) => {
        outputs[name] = value;
      },
      createTemporaryDirectory: () => mkdtemp(join(scratch, 'tmp-')),
      checkpoint: async ({ fn }: { fn: () => unknown }) => fn(),
      getInitiatorCredentials: async () => {
        throw new Error('not used by publish:gitlab');
      },
      task: { id: 'task-1' },
    } as unknown as Parameters<typeof action.handler>[0];
    await action.handler(ctx);
    return outputs;
  };

  const gitIn = async (args: string[]) => {
    const dir = join(gitlab.root, GROUP, `${REPO}.git`);
    return (
      await zxRunner.run('git', ['--git-dir', dir, ...args])
    ).stdout.trim();
  };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'gitlab-stand-in-test-'));
    gitlab = await startGitlabStandIn({ token: TOKEN, groups: [GROUP] });
  });

  afterAll(async () => {
    await gitlab?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  let outputs: Record<string, unknown>;

  it('publish:gitlab creates the project and pushes one commit to main', async () => {
    outputs = await publish();

    expect(gitlab.projects()).toEqual([
      {
        id: expect.any(Number),
        pathWithNamespace: `${GROUP}/${REPO}`,
        visibility: 'private',
        defaultBranch: 'main',
      },
    ]);
    const remoteUrl = `${gitlab.baseUrl}/${GROUP}/${REPO}`;
    expect(outputs).toEqual({
      remoteUrl,
      repoContentsUrl: `${remoteUrl}/-/blob/main`,
      projectId: gitlab.projects()[0].id,
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      created: true,
    });

    expect(await gitIn(['rev-list', '--count', 'main'])).toBe('1');
    expect(await gitIn(['rev-parse', 'main'])).toBe(outputs.commitHash);
    expect(await gitIn(['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    const tree = await gitIn(['ls-tree', '-r', '--name-only', 'main']);
    expect(tree.split('\n').sort()).toEqual(Object.keys(FILES).sort());
    for (const [path, content] of Object.entries(FILES)) {
      expect(await gitIn(['show', `main:${path}`])).toBe(content.trim());
    }
  });

  it('a second publish of the same name fails as on GitLab, the repository untouched', async () => {
    const error = await publish().then(
      () => undefined,
      e => e,
    );
    // gitbeaker's error: GitLab's status and its `message` object.
    expect(error?.cause?.response?.status).toBe(400);
    expect(error?.message).toMatch(/"name":\["has already been taken"\]/);
    expect(error?.message).toMatch(/"path":\["has already been taken"\]/);
    expect(gitlab.projects()).toHaveLength(1);
    expect(await gitIn(['rev-list', '--count', '--all'])).toBe('1');
    expect(await gitIn(['rev-parse', 'main'])).toBe(outputs.commitHash);
  });

  it('the GitlabUrlReader reads catalog-info.yaml as pushed, with its ETag', async () => {
    const reader = UrlReaders.default({
      config: configFor(TOKEN),
      logger: mockServices.logger.mock(),
    });
    const url = `${outputs.repoContentsUrl}/catalog-info.yaml`;
    const response = await reader.readUrl(url);
    expect(
      (await response.buffer()).equals(Buffer.from(FILES['catalog-info.yaml'])),
    ).toBe(true);
    expect(response.etag).toBe(
      `"${await gitIn(['rev-parse', 'main:catalog-info.yaml'])}"`,
    );

    // Unchanged since: GitLab's 304, which the reader turns into NotModifiedError.
    await expect(
      reader.readUrl(url, { etag: response.etag }),
    ).rejects.toMatchObject({
      name: 'NotModifiedError',
    });
    // A file in a sub-folder, and bytes beyond ASCII, come through unchanged.
    for (const path of ['docs/index.md', 'README.md']) {
      const file = await reader.readUrl(`${outputs.repoContentsUrl}/${path}`);
      expect((await file.buffer()).equals(Buffer.from(FILES[path]))).toBe(true);
    }

    await expect(
      reader.readUrl(`${outputs.repoContentsUrl}/missing.yaml`),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('answers like GitLab to what it does not know, and never leaves the repository', async () => {
    const get = (path: string) =>
      fetch(`${gitlab.apiBaseUrl}${path}`, {
        headers: { 'PRIVATE-TOKEN': TOKEN },
      });
    const missing = await get('/no/such/route');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: '404 Not Found' });

    const project = encodeURIComponent(`${GROUP}/${REPO}`);
    const escape = await get(
      `/projects/${project}/repository/files/${encodeURIComponent(
        '../../config',
      )}/raw?ref=main`,
    );
    expect(escape.status).toBe(400);
    const option = await get(
      `/projects/${project}/repository/files/README.md/raw?ref=--output=x`,
    );
    expect(option.status).toBe(404);

    const byPath = await get(`/projects/${project}`);
    expect(await byPath.json()).toMatchObject({
      path_with_namespace: `${GROUP}/${REPO}`,
      default_branch: 'main',
    });
  });

  it('a wrong token gets 401 on the API, and its push is refused', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { 'PRIVATE-TOKEN': 'wrong' },
      { Authorization: 'Bearer wrong' },
    ]) {
      const res = await fetch(`${gitlab.apiBaseUrl}/user`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: '401 Unauthorized' });
    }
    const bearer = await fetch(`${gitlab.apiBaseUrl}/user`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);

    // The action stops at its first API call.
    await expect(publish('wrong')).rejects.toThrow('401 Unauthorized');

    // The push publish:gitlab makes (same helper, same credentials shape),
    // with a wrong password, into a new empty project that would accept it.
    const group = await fetch(`${gitlab.apiBaseUrl}/namespaces/${GROUP}`, {
      headers: { 'PRIVATE-TOKEN': TOKEN },
    });
    const { id: namespaceId } = await group.json();
    const created = await fetch(`${gitlab.apiBaseUrl}/projects`, {
      method: 'POST',
      headers: { 'PRIVATE-TOKEN': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty', namespace_id: namespaceId }),
    });
    expect(created.status).toBe(201);
    const { http_url_to_repo: remoteUrl } = await created.json();
    await expect(
      initRepoAndPush({
        dir: await workspace(),
        remoteUrl,
        defaultBranch: 'main',
        auth: { username: 'oauth2', password: 'wrong' },
        logger: mockServices.logger.mock(),
      }),
    ).rejects.toThrow('HTTP Error: 401 Unauthorized');
    const empty = join(gitlab.root, GROUP, 'empty.git');
    const refs = await zxRunner.run('git', ['--git-dir', empty, 'show-ref'], {
      allowFail: true,
    });
    expect(refs).toMatchObject({ code: 1, stdout: '' });
  });
});
