import { parseEntityRef } from '@backstage/catalog-model';
import type { Platform } from './model';

/**
 * The System (`spec.system`) of the catalog entities of a kind and type, in
 * catalog order and without repeats: e.g. the Systems that own the DNS
 * domains, or the buckets. Costs that belong to no namespace roll up there.
 */
export function systemsOf(
  platform: Platform,
  kind: string,
  type?: string,
): string[] {
  const out: string[] = [];
  for (const { entity } of platform.entities) {
    if (entity.kind !== kind) continue;
    if (type !== undefined && entity.spec?.type !== type) continue;
    if (!entity.spec?.system) continue;
    const name = parseEntityRef(String(entity.spec.system), {
      defaultKind: 'system',
    }).name;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The System of one catalog entity, by name (any kind), when it has one. */
export function systemOf(platform: Platform, name: string): string | undefined {
  const found = platform.entities.find(l => l.entity.metadata.name === name);
  const system = found?.entity.spec?.system;
  return system
    ? parseEntityRef(String(system), { defaultKind: 'system' }).name
    : undefined;
}
