import type { Entity } from '@backstage/catalog-model';
import type { Knex } from 'knex';

/** What the catalog holds at some entity refs: the entity (as read from its source) by ref. */
export type CatalogLookup = (
  refs: string[],
) => Promise<Map<string, Pick<Entity, 'spec'>>>;

/**
 * Looks refs up in the catalog's own database: `refresh_state` holds every
 * entity the catalog knows from its providers, as soon as it is read and
 * whether or not it has been processed yet, which is what the loader sees
 * in catalog/ (an entity with problems is still there to be referred to).
 */
export function refreshStateLookup(knex: Knex): CatalogLookup {
  return async refs => {
    const found = new Map<string, Pick<Entity, 'spec'>>();
    if (!refs.length) return found;
    const rows: { entity_ref: string; unprocessed_entity: string }[] =
      await knex('refresh_state')
        .select('entity_ref', 'unprocessed_entity')
        .whereIn('entity_ref', [...new Set(refs)]);
    for (const row of rows) {
      found.set(row.entity_ref, {
        spec: JSON.parse(row.unprocessed_entity).spec,
      });
    }
    return found;
  };
}
