import type { Entity } from '@backstage/catalog-model';
import type { Knex } from 'knex';

/** What the catalog holds, for the checks that need more than one entity. */
export interface CatalogLookup {
  /** The entities (as read from their source) at these refs; a ref the catalog does not hold is absent. */
  find(refs: string[]): Promise<Map<string, Pick<Entity, 'spec'>>>;
  /**
   * Whether some Location has not been read yet: while one has not, an
   * entity missing from the catalog may just not have been read either.
   */
  stillReading(): Promise<boolean>;
}

/**
 * Looks refs up in the catalog's own database: `refresh_state` holds every
 * entity the catalog knows from its providers, as soon as it is read and
 * whether or not it has been processed yet, which is what the loader sees
 * in catalog/ (an entity with problems is still there to be referred to).
 */
export function refreshStateLookup(knex: Knex): CatalogLookup {
  return {
    async find(refs) {
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
    },
    async stillReading() {
      // A row gets its result hash on its first processing; a Location without one has not emitted its entities.
      const unread = await knex('refresh_state')
        .select('entity_ref')
        .where('entity_ref', 'like', 'location:%')
        .whereNull('result_hash')
        .first();
      return unread !== undefined;
    },
  };
}

/**
 * Remembers, for `ttlMs`, the refs the catalog was found to hold: thousands
 * of entities name the same few owners, systems and nodes. A ref not found
 * is asked again each time, so a mistake is reported as soon as it is one.
 */
export function rememberFound(
  lookup: CatalogLookup,
  ttlMs = 10_000,
): CatalogLookup {
  const known = new Map<string, { at: number; entity: Pick<Entity, 'spec'> }>();
  return {
    async find(refs) {
      const now = Date.now();
      const found = new Map<string, Pick<Entity, 'spec'>>();
      const ask: string[] = [];
      for (const ref of refs) {
        const hit = known.get(ref);
        if (hit && now - hit.at < ttlMs) found.set(ref, hit.entity);
        else ask.push(ref);
      }
      for (const [ref, entity] of await lookup.find(ask)) {
        known.set(ref, { at: now, entity });
        found.set(ref, entity);
      }
      return found;
    },
    stillReading: () => lookup.stillReading(),
  };
}
