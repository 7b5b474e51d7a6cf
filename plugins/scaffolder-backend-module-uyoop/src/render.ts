import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  checkNewNamespace,
  checkNewService,
  namespaceManifests,
  serviceManifests,
  serviceNamespace,
} from '@internal/k8s';
import { loadPlatform } from '@internal/platform';
import { stringify } from 'yaml';
import { asInputError } from './inputError';

/**
 * `uyoop:manifests:render`: a golden path's Kubernetes objects, rendered by
 * the platform's generators from the catalog, written as one YAML file in the
 * workspace. The values are checked again here, field by field, before
 * anything is written: a bad name, owner or tier fails the step with the
 * field named. Rendering touches only the workspace, so it runs in dry-runs.
 */
export function renderManifestsAction(options: { catalogRoot: string }) {
  return createTemplateAction({
    id: 'uyoop:manifests:render',
    description:
      "Renders a golden path's Kubernetes objects through the platform's generators (packages/k8s)",
    supportsDryRun: true,
    schema: {
      input: {
        kind: z =>
          z
            .enum(['namespace', 'web-service', 'static-site'])
            .describe('The golden path'),
        values: z =>
          z
            .record(z.string(), z.unknown())
            .describe(
              'Its values: name, tier (dev or prod), owner (a Group), system',
            ),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe('Folder of the workspace the YAML goes to (manifests)'),
      },
      output: {
        path: z => z.string().describe('The file written, in the workspace'),
        objects: z => z.number().describe('How many objects it holds'),
        kinds: z =>
          z.array(z.string()).describe('Their kinds, sorted, once each'),
      },
    },
    async handler(ctx) {
      const platform = await loadPlatform({ root: options.catalogRoot });
      const { name, objects } = asInputError(() => {
        if (ctx.input.kind === 'namespace') {
          const ns = checkNewNamespace(platform, ctx.input.values);
          return { name: ns.name, objects: namespaceManifests(platform, ns) };
        }
        const service = checkNewService(platform, {
          ...ctx.input.values,
          kind: ctx.input.kind,
        });
        return {
          name: serviceNamespace(service),
          objects: serviceManifests(platform, service),
        };
      });
      const relative = `${ctx.input.targetPath ?? 'manifests'}/${name}.yaml`;
      const file = resolveSafeChildPath(ctx.workspacePath, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(
        file,
        `# Rendered by uyoop:manifests:render (packages/k8s) from the catalog.\n${objects
          .map(o => `---\n${stringify(o)}`)
          .join('')}`,
      );
      ctx.logger.info(`${relative}: ${objects.length} objects`);
      ctx.output('path', relative);
      ctx.output('objects', objects.length);
      ctx.output('kinds', [...new Set(objects.map(o => o.kind))].sort());
    },
  });
}
