import type { Entity } from '@backstage/catalog-model';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { LRUCache } from 'lru-cache';

/** What the catalog says of one referenced entity. */
export type Lookup =
  /** The catalog holds it: its spec, for the checks on its type. */
  | { state: 'found'; entity: Pick<Entity, 'spec'> }
  /**
   * The catalog has not held it for longer than the grace, and has not
   * grown for as long either: a mistake.
   */
  | { state: 'missing' }
  /**
   * Not known yet: absent for less than the grace, or while the catalog is
   * still growing (it may not have been read yet), or the catalog could not
   * be asked. Checked again on the entity's next processing.
   */
  | { state: 'pending' };

/** What the catalog holds, for the checks that need more than one entity. */
export interface CatalogLookup {
  /** What the catalog says of each of these refs (full refs, `kind:namespace/name`). */
  find(refs: string[]): Promise<Map<string, Lookup>>;
}

export interface CatalogApiLookupOptions {
  /** How long an entity found is taken as still there without asking again. */
  foundTtlMs?: number;
  /**
   * How long a ref may be absent before it counts as a mistake; and how long
   * the catalog must have kept the same number of entities (it is no longer
   * reading new ones).
   */
  graceMs?: number;
  /** During the grace, how often an absent ref, or the catalog's size, is asked again. */
  recheckMs?: number;
  /** The clock; `Date.now` unless a test drives it. */
  now?: () => number;
  /** Told when the catalog cannot be asked (the refs are then pending). */
  onError?: (error: Error) => void;
}

/** Thousands of entities name the same few owners, systems and nodes: that many targets fit. */
const MAX_REMEMBERED = 50_000;

/**
 * Looks refs up through the catalog's public API (the catalog service, the
 * same answers as `/api/catalog/entities/by-refs`), as the plugin's service
 * identity:
 *
 * - an entity found is remembered for `foundTtlMs` (60 s): the many entities
 *   that name the same owner or node ask once a minute, not once each;
 * - a ref the catalog does not hold is not a mistake before `graceMs` (20 s)
 *   since it was first seen absent: while the catalog is still reading its
 *   Locations, the target may just not be processed yet. Nor while the
 *   catalog still grows: a first read of thousands of entities takes longer
 *   than the grace, and the target may be waiting in that queue. A mistake
 *   is only reported from a fresh answer of the catalog.
 */
export function catalogApiLookup(
  catalog: Pick<CatalogService, 'getEntitiesByRefs' | 'queryEntities'>,
  credentials: () => Promise<BackstageCredentials>,
  options: CatalogApiLookupOptions = {},
): CatalogLookup {
  const foundTtlMs = options.foundTtlMs ?? 60_000;
  const graceMs = options.graceMs ?? 20_000;
  const recheckMs = options.recheckMs ?? 2_000;
  const now = options.now ?? Date.now;
  const found = new LRUCache<string, Pick<Entity, 'spec'>>({
    max: MAX_REMEMBERED,
    ttl: foundTtlMs,
    // The clock is read on every look, not once per millisecond.
    ttlResolution: 0,
    perf: { now },
  });
  /** When each absent ref was first, and last, seen absent. */
  const absent = new LRUCache<string, { since: number; asked: number }>({
    max: MAX_REMEMBERED,
  });

  /** The catalog's number of entities, when it last changed, and when it was last asked. */
  const size = { total: -1, changed: now(), asked: -Infinity };
  const growing = async (at: number): Promise<boolean> => {
    if (at - size.asked >= recheckMs) {
      size.asked = at;
      const { totalItems } = await catalog.queryEntities(
        { limit: 1, fields: ['kind'] },
        { credentials: await credentials() },
      );
      if (totalItems !== size.total) {
        size.total = totalItems;
        size.changed = at;
      }
    }
    return at - size.changed < graceMs;
  };

  return {
    async find(refs) {
      const at = now();
      const out = new Map<string, Lookup>();
      const ask: string[] = [];
      for (const ref of new Set(refs)) {
        const entity = found.get(ref);
        const a = absent.get(ref);
        if (entity) out.set(ref, { state: 'found', entity });
        else if (a && at - a.since < graceMs && at - a.asked < recheckMs)
          out.set(ref, { state: 'pending' });
        else ask.push(ref);
      }
      if (!ask.length) return out;
      let items: (Entity | undefined)[];
      let stillGrowing: boolean | undefined;
      try {
        ({ items } = await catalog.getEntitiesByRefs(
          { entityRefs: ask, fields: ['kind', 'spec'] },
          { credentials: await credentials() },
        ));
        // The catalog's size is watched from the first absent target on.
        if (items.some(e => !e)) stillGrowing = await growing(at);
      } catch (e) {
        options.onError?.(e as Error);
        for (const ref of ask) out.set(ref, { state: 'pending' });
        return out;
      }
      ask.forEach((ref, i) => {
        const entity = items[i];
        if (entity) {
          const target = { spec: entity.spec };
          found.set(ref, target);
          absent.delete(ref);
          out.set(ref, { state: 'found', entity: target });
          return;
        }
        const since = absent.get(ref)?.since ?? at;
        absent.set(ref, { since, asked: at });
        const mistake = at - since >= graceMs && stillGrowing === false;
        out.set(ref, mistake ? { state: 'missing' } : { state: 'pending' });
      });
      return out;
    },
  };
}
