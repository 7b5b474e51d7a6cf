import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkDnsLabel } from '@internal/k8s';
import { zxRunner } from '@internal/platform';
import Router from 'express-promise-router';
import { asInputError } from './inputError';

const git = (cwd: string, ...args: string[]) =>
  zxRunner.run('git', args, { cwd, env: { GIT_TERMINAL_PROMPT: '0' } });

/** A repository name, refused with the field's name when it is not a DNS-1123 label. */
const repositoryName = (value: string) =>
  asInputError(() => checkDnsLabel('name', value));

/**
 * The local forge of the embedded default and the tests, where GitLab is not
 * at hand: bare git repositories under `root`, read (never written) over HTTP
 * at `baseUrl` (`<name>` lists the files of main, `<name>/raw/<path>` serves
 * one), so that the catalog reads a new repository through a URL location as
 * it reads GitLab's in production.
 */
export class LocalForge {
  constructor(readonly root: string, readonly baseUrl: string) {}

  bare(name: string): string {
    return join(this.root, `${repositoryName(name)}.git`);
  }

  browseUrl(name: string): string {
    return `${this.baseUrl}/${name}`;
  }

  contentsUrl(name: string): string {
    return `${this.baseUrl}/${name}/raw`;
  }

  /** The first commit of a new repository: the folder's files, as `author`. */
  async publish(
    name: string,
    folder: string,
    commit: { message: string; author: string; email: string },
  ): Promise<string> {
    const bare = this.bare(name);
    if (existsSync(bare))
      throw new ConflictError(
        `name: repository ${name} already exists in ${this.root}`,
      );
    await mkdir(this.root, { recursive: true });
    await git(this.root, 'init', '-q', '--bare', '-b', 'main', bare);
    try {
      await git(folder, 'init', '-q', '-b', 'main');
      await git(folder, 'add', '--all');
      await git(
        folder,
        ...['-c', `user.name=${commit.author}`],
        ...['-c', `user.email=${commit.email}`],
        ...['commit', '-q', '-m', commit.message],
      );
      await git(folder, 'push', '-q', bare, 'main');
      return (await git(bare, 'rev-parse', 'main')).stdout.trim();
    } catch (e) {
      // No half-made repository: the name stays free for the next run.
      await rm(bare, { recursive: true, force: true });
      throw e;
    }
  }

  /** The files of main, one path per line. */
  async files(name: string): Promise<string[]> {
    const bare = this.existing(name);
    const { stdout } = await git(bare, 'ls-tree', '-r', '--name-only', 'main');
    return stdout.split('\n').filter(Boolean);
  }

  /** One text file of main; NotFoundError when main has no such file. */
  async file(name: string, path: string): Promise<string> {
    const bare = this.existing(name);
    const parts = path.split('/');
    if (parts.some(p => p === '' || p === '.' || p === '..'))
      throw new InputError(`path: ${JSON.stringify(path)} is not a file path`);
    const spec = `main:${parts.join('/')}`;
    const type = await zxRunner.run('git', ['cat-file', '-t', spec], {
      cwd: bare,
      allowFail: true,
    });
    if (type.code !== 0 || type.stdout.trim() !== 'blob')
      throw new NotFoundError(`${name} has no file ${path} on main`);
    return (await git(bare, 'cat-file', 'blob', spec)).stdout;
  }

  /** The read-only HTTP view the catalog and the output links use. */
  router() {
    const router = Router();
    router.get('/:name', async (req, res) => {
      const files = await this.files(req.params.name);
      res
        .type('text/plain')
        .send(
          [
            `${req.params.name} (main)`,
            `clone: git clone file://${this.bare(req.params.name)}`,
            '',
            ...files,
            '',
          ].join('\n'),
        );
    });
    router.get('/:name/raw/*', async (req, res) => {
      const path = (req.params as Record<string, string>)[0];
      res.type('text/plain').send(await this.file(req.params.name, path));
    });
    return router;
  }

  private existing(name: string): string {
    const bare = this.bare(name);
    if (!existsSync(bare))
      throw new NotFoundError(`no repository ${name} in the local forge`);
    return bare;
  }
}

/**
 * `uyoop:publish:local`: publishes the workspace as the first commit of a new
 * repository of the local forge. A repository that exists is never touched.
 */
export function publishLocalAction(forge: LocalForge) {
  return createTemplateAction({
    id: 'uyoop:publish:local',
    description:
      'Publishes the workspace as the first commit of a new repository of the local forge',
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('The repository name: a DNS-1123 label'),
        commitMessage: z =>
          z.string().optional().describe('The first commit message'),
      },
      output: {
        remoteUrl: z => z.string().describe('The repository page (its files)'),
        repoContentsUrl: z =>
          z
            .string()
            .describe('The root of its files on main, for catalog:register'),
        cloneUrl: z => z.string().describe('The bare repository (file:// URL)'),
        commitHash: z => z.string().describe('The first commit'),
      },
    },
    async handler(ctx) {
      const name = repositoryName(ctx.input.name);
      const bare = forge.bare(name);
      let commitHash = '(dry run)';
      if (ctx.isDryRun) {
        if (existsSync(bare))
          throw new ConflictError(`name: repository ${name} already exists`);
        ctx.logger.info(`dry run: would publish to ${bare}`);
      } else {
        const profile = ctx.user?.entity?.spec?.profile as
          | { displayName?: string; email?: string }
          | undefined;
        commitHash = await forge.publish(name, ctx.workspacePath, {
          message:
            ctx.input.commitMessage ?? 'Created by the uyoop golden path',
          author: profile?.displayName ?? ctx.user?.ref ?? 'uyoop scaffolder',
          email: profile?.email ?? 'scaffolder@uyoop.fr',
        });
        ctx.logger.info(`published ${commitHash} to ${bare}`);
      }
      ctx.output('remoteUrl', forge.browseUrl(name));
      ctx.output('repoContentsUrl', forge.contentsUrl(name));
      ctx.output('cloneUrl', `file://${bare}`);
      ctx.output('commitHash', commitHash);
    },
  });
}
