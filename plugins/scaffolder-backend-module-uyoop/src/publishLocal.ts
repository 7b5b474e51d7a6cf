import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkDnsLabel, GoldenPathError } from '@internal/k8s';
import { zxRunner } from '@internal/platform';
import { parseDocument } from 'yaml';

const git = (cwd: string, ...args: string[]) =>
  zxRunner.run('git', args, { cwd, env: { GIT_TERMINAL_PROMPT: '0' } });

/**
 * `uyoop:publish:local`: publishes the workspace as the first commit of a new
 * bare git repository under `uyoop.scaffolder.localGitRoot`, and keeps a
 * checkout beside it that the catalog reads. On the embedded default and in
 * the tests, where GitLab is not at hand; production publishes with
 * publish:gitlab. A repository that exists is never touched.
 */
export function publishLocalAction(options: { root: string }) {
  return createTemplateAction({
    id: 'uyoop:publish:local',
    description:
      'Publishes the workspace as the first commit of a new local bare git repository',
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('The repository name: a DNS-1123 label'),
        commitMessage: z =>
          z.string().optional().describe('The first commit message'),
      },
      output: {
        remoteUrl: z =>
          z.string().describe('The bare repository (file:// URL)'),
        checkout: z =>
          z.string().describe('Its checkout, which the catalog reads'),
        commit: z => z.string().describe('The first commit'),
      },
    },
    async handler(ctx) {
      let name: string;
      try {
        name = checkDnsLabel('name', ctx.input.name);
      } catch (e) {
        if (e instanceof GoldenPathError) throw new InputError(e.message);
        throw e;
      }
      const bare = join(options.root, `${name}.git`);
      const checkout = join(options.root, name);
      if (existsSync(bare) || existsSync(checkout))
        throw new ConflictError(
          `name: repository ${name} already exists in ${options.root}`,
        );
      if (ctx.isDryRun) {
        ctx.logger.info(`dry run: would publish to ${bare}`);
        ctx.output('remoteUrl', `file://${bare}`);
        ctx.output('checkout', checkout);
        ctx.output('commit', '(dry run)');
        return;
      }
      const profile = ctx.user?.entity?.spec?.profile as
        | { displayName?: string; email?: string }
        | undefined;
      const author = [
        '-c',
        `user.name=${
          profile?.displayName ?? ctx.user?.ref ?? 'uyoop scaffolder'
        }`,
        '-c',
        `user.email=${profile?.email ?? 'scaffolder@uyoop.fr'}`,
      ];
      await mkdir(options.root, { recursive: true });
      await git(options.root, 'init', '-q', '--bare', '-b', 'main', bare);
      await git(ctx.workspacePath, 'init', '-q', '-b', 'main');
      await git(ctx.workspacePath, 'add', '--all');
      await git(
        ctx.workspacePath,
        ...author,
        'commit',
        '-q',
        '-m',
        ctx.input.commitMessage ?? 'Created by the uyoop golden path',
      );
      await git(ctx.workspacePath, 'push', '-q', bare, 'main');
      await git(options.root, 'clone', '-q', bare, checkout);
      const commit = (await git(checkout, 'rev-parse', 'HEAD')).stdout.trim();
      ctx.logger.info(`published ${commit} to ${bare}`);
      ctx.output('remoteUrl', `file://${bare}`);
      ctx.output('checkout', checkout);
      ctx.output('commit', commit);
    },
  });
}

/**
 * `uyoop:catalog:register-file`: registers a checkout's catalog-info.yaml as a
 * file location, as the scaffolder itself (developers may run a golden path;
 * only admins register arbitrary locations). The entity shows up once the
 * catalog has processed it.
 */
export function registerFileAction(options: {
  catalog: CatalogService;
  auth: AuthService;
}) {
  return createTemplateAction({
    id: 'uyoop:catalog:register-file',
    description:
      "Registers a local checkout's catalog-info.yaml in the catalog",
    supportsDryRun: true,
    schema: {
      input: {
        checkout: z => z.string().describe('The checkout folder'),
        path: z =>
          z
            .string()
            .optional()
            .describe('The entity file in it (catalog-info.yaml)'),
      },
      output: {
        entityRef: z => z.string().describe('The registered entity'),
      },
    },
    async handler(ctx) {
      const target = join(
        ctx.input.checkout,
        ctx.input.path ?? 'catalog-info.yaml',
      );
      if (ctx.isDryRun) {
        ctx.logger.info(`dry run: would register ${target}`);
        ctx.output('entityRef', '(dry run)');
        return;
      }
      // The catalog processes the location later: the ref comes from the file.
      const entity = parseDocument(await readFile(target, 'utf8')).toJSON() as {
        kind?: string;
        metadata?: { name?: string; namespace?: string };
      } | null;
      if (!entity?.kind || !entity.metadata?.name)
        throw new InputError(`${target} holds no entity`);
      const credentials = await options.auth.getOwnServiceCredentials();
      await options.catalog.addLocation(
        { type: 'file', target },
        { credentials },
      );
      const ref = `${entity.kind.toLowerCase()}:${
        entity.metadata.namespace ?? 'default'
      }/${entity.metadata.name}`;
      ctx.logger.info(`registered ${ref} from ${target}`);
      ctx.output('entityRef', ref);
    },
  });
}
