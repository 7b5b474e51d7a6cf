import type { AuthService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkDnsLabel } from '@internal/k8s';
import { asInputError } from './inputError';
import type { LocalForge } from './localForge';

/** Where the golden paths publish: GitLab in production, the local forge elsewhere. */
export type Forge =
  | { kind: 'gitlab'; host: string; group: string; baseUrl: string }
  | { kind: 'local'; forge: LocalForge };

/**
 * The forge `uyoop.scaffolder.gitlab` names ({host, group}, the host being one
 * of `integrations.gitlab`), or the local forge when it names none.
 */
export function forgeFromConfig(
  config: Config,
  local: () => LocalForge,
): Forge {
  const gitlab = config.getOptionalConfig('uyoop.scaffolder.gitlab');
  if (!gitlab) return { kind: 'local', forge: local() };
  const host = gitlab.getString('host');
  const integration = ScmIntegrations.fromConfig(config).gitlab.byHost(host);
  if (!integration)
    throw new Error(
      `uyoop.scaffolder.gitlab.host ${host} has no integrations.gitlab entry`,
    );
  return {
    kind: 'gitlab',
    host,
    group: gitlab.getString('group'),
    baseUrl: integration.config.baseUrl,
  };
}

/** The URLs under which a new repository's catalog file may be registered. */
const registrable = (forge: Forge) =>
  forge.kind === 'gitlab'
    ? `${forge.baseUrl}/${forge.group}/`
    : `${forge.forge.baseUrl}/`;

/** The new repository's page and the root of its files on main, on this forge. */
function repositoryUrls(forge: Forge, name: string) {
  if (forge.kind === 'local')
    return {
      remoteUrl: forge.forge.browseUrl(name),
      repoContentsUrl: forge.forge.contentsUrl(name),
    };
  // GitLab's web_url of a project, and publish:gitlab's repoContentsUrl.
  const remoteUrl = `${forge.baseUrl}/${forge.group}/${name}`;
  return { remoteUrl, repoContentsUrl: `${remoteUrl}/-/blob/main` };
}

/**
 * `uyoop:publish:target`: which forge this portal publishes to, so that a
 * template runs `publish:gitlab` or `uyoop:publish:local` (their `if:`); the
 * `repoUrl` publish:gitlab takes for the new repository; and where that
 * repository will be, known before it is published, so that the steps after
 * it (and a dry run, where publish:gitlab does not run) read the same URLs.
 */
export function publishTargetAction(forge: Forge) {
  return createTemplateAction({
    id: 'uyoop:publish:target',
    description:
      "The forge the golden paths publish to (GitLab's group, or the local forge)",
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('The repository name: a DNS-1123 label'),
      },
      output: {
        forge: z => z.enum(['gitlab', 'local']).describe('The forge'),
        repoUrl: z =>
          z.string().describe("publish:gitlab's repoUrl (GitLab only)"),
        remoteUrl: z => z.string().describe("The new repository's page"),
        repoContentsUrl: z =>
          z.string().describe('The root of its files on main'),
      },
    },
    async handler(ctx) {
      const name = asInputError(() => checkDnsLabel('name', ctx.input.name));
      ctx.output('forge', forge.kind);
      ctx.output(
        'repoUrl',
        forge.kind === 'gitlab'
          ? `${forge.host}?owner=${encodeURIComponent(
              forge.group,
            )}&repo=${name}`
          : '',
      );
      const urls = repositoryUrls(forge, name);
      ctx.output('remoteUrl', urls.remoteUrl);
      ctx.output('repoContentsUrl', urls.repoContentsUrl);
    },
  });
}

/**
 * `uyoop:catalog:register`: registers the new repository's catalog file as a
 * URL location, as the scaffolder itself. The portal's policy keeps
 * `catalog.location.create` for admins (a location may bring any entity), so
 * the built-in `catalog:register`, which acts as the user, would refuse a
 * developer; this one accepts only a URL of the forge the golden path has
 * just published to.
 */
export function catalogRegisterAction(options: {
  forge: Forge;
  catalog: CatalogService;
  auth: AuthService;
}) {
  const prefix = registrable(options.forge);
  return createTemplateAction({
    id: 'uyoop:catalog:register',
    description:
      "Registers a new repository's catalog-info.yaml (a URL of the golden paths' forge) in the catalog",
    supportsDryRun: true,
    schema: {
      input: {
        repoContentsUrl: z =>
          z.string().describe('The root of the repository files on main'),
        catalogInfoPath: z =>
          z
            .string()
            .optional()
            .describe('The entity file in it (catalog-info.yaml)'),
      },
      output: {
        entityRef: z => z.string().describe('The registered entity'),
        catalogInfoUrl: z => z.string().describe('The registered location'),
      },
    },
    async handler(ctx) {
      // Compared once resolved, as the catalog will fetch it: dot segments
      // (plain or percent-encoded) cannot climb out of the forge.
      const target = URL.canParse(ctx.input.repoContentsUrl)
        ? new URL(
            `${ctx.input.repoContentsUrl.replace(/\/+$/, '')}/${
              ctx.input.catalogInfoPath ?? 'catalog-info.yaml'
            }`,
          ).href
        : '';
      if (!target.startsWith(prefix))
        throw new InputError(
          `repoContentsUrl: ${ctx.input.repoContentsUrl} is not a repository of ${prefix}`,
        );
      ctx.output('catalogInfoUrl', target);
      if (ctx.isDryRun) {
        ctx.logger.info(`dry run: would register ${target}`);
        ctx.output('entityRef', '(dry run)');
        return;
      }
      const credentials = await options.auth.getOwnServiceCredentials();
      await options.catalog.addLocation(
        { type: 'url', target },
        { credentials },
      );
      // What the location holds, read as the catalog reads it.
      const { entities } = await options.catalog.addLocation(
        { type: 'url', target, dryRun: true },
        { credentials },
      );
      const entity = entities.find(e => e.kind === 'Component') ?? entities[0];
      if (!entity) throw new InputError(`${target} holds no entity`);
      const ref = stringifyEntityRef(entity);
      ctx.logger.info(`registered ${ref} from ${target}`);
      ctx.output('entityRef', ref);
    },
  });
}
