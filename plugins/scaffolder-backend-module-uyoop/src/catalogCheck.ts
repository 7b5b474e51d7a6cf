import { readFile } from 'node:fs/promises';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { loadPlatform, validateEntity } from '@internal/platform';
import { parseAllDocuments } from 'yaml';

const nameOf = (ref: string) =>
  ref.replace(/^[a-z]+:/, '').replace(/^default\//, '');

/**
 * `uyoop:catalog:check`: the new entities of the workspace go through the
 * validation of `yarn uyoop catalog validate` (the uyoop.io/ annotations
 * included) and their references are checked against the catalog (owner,
 * system, node, dependencies), before anything is published or registered.
 */
export function catalogCheckAction(options: { catalogRoot: string }) {
  return createTemplateAction({
    id: 'uyoop:catalog:check',
    description:
      "Checks the workspace's catalog-info.yaml as `yarn uyoop catalog validate` does, references included",
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string()
            .optional()
            .describe('The entity file, in the workspace (catalog-info.yaml)'),
      },
      output: {
        entities: z =>
          z.array(z.string()).describe('The refs of the checked entities'),
      },
    },
    async handler(ctx) {
      const path = ctx.input.path ?? 'catalog-info.yaml';
      const text = await readFile(
        resolveSafeChildPath(ctx.workspacePath, path),
        'utf8',
      );
      const platform = await loadPlatform({ root: options.catalogRoot });
      const known = new Set([
        ...platform.groups.map(g => `group:${g}`),
        ...platform.systems.map(s => `system:${s}`),
        ...platform.nodes.map(n => `resource:${n.name}`),
        ...platform.entities.map(
          e => `${e.entity.kind.toLowerCase()}:${e.entity.metadata.name}`,
        ),
      ]);
      const problems: string[] = [];
      const refs: string[] = [];
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) {
          problems.push(`${path}: ${doc.errors[0].message}`);
          continue;
        }
        const entity = doc.toJSON() as Entity;
        const ref = `${entity.kind?.toLowerCase()}:${entity.metadata?.name}`;
        refs.push(ref);
        for (const p of await validateEntity(entity))
          problems.push(`${ref}: ${p.field ? `${p.field}: ` : ''}${p.message}`);
        const spec = (entity.spec ?? {}) as Record<string, unknown>;
        const wanted: [string, string | undefined][] = [
          [
            'spec.owner',
            spec.owner ? `group:${nameOf(String(spec.owner))}` : undefined,
          ],
          [
            'spec.system',
            spec.system ? `system:${nameOf(String(spec.system))}` : undefined,
          ],
          ...((spec.dependsOn as string[] | undefined) ?? []).map(
            d =>
              ['spec.dependsOn', d.replace(/:default\//, ':')] as [
                string,
                string,
              ],
          ),
        ];
        const node = entity.metadata?.annotations?.['uyoop.io/node'];
        if (node)
          wanted.push([
            'metadata.annotations.uyoop.io/node',
            `resource:${node}`,
          ]);
        for (const [field, target] of wanted)
          if (target && !known.has(target))
            problems.push(`${ref}: ${field}: ${target} is not in the catalog`);
      }
      if (problems.length > 0) throw new InputError(problems.join('\n'));
      ctx.logger.info(
        `${path}: ${refs.join(', ')} pass the catalog validation`,
      );
      ctx.output('entities', refs);
    },
  });
}
