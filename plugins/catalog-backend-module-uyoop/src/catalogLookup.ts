import type { Entity } from '@backstage/catalog-model';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { LRUCache } from 'lru-cache';

/** What the catalog says of one referenced entity. */
export type Lookup =
  /** The catalog holds it: its spec, for the checks on its type. */
  | { state: 'found'; entity: Pick<Entity, 'spec'> }
  /** The catalog has not held it for longer than the grace: a mistake. */
  | { state: 'missing' }
  /**
   * Not known yet: absent for less than the grace (it may not have been
   * read yet), or the catalog could not be asked. Checked again on the
   * entity's next processing.
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
  /** How long a ref may be absent before it counts as a mistake. */
  graceMs?: number;
  /** During the grace, how often an absent ref is asked again. */
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
 *   Locations, the target may just not be processed yet. A mistake is only
 *   reported from a fresh answer of the catalog.
 */
export function catalogApiLookup(
  catalog: Pick<CatalogService, 'getEntitiesByRefs'>,
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

  const inGrace = (ref: string, at: number) => {
    const a = absent.get(ref);
    return !a || at - a.since < graceMs;
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
      try {
        ({ items } = await catalog.getEntitiesByRefs(
          { entityRefs: ask, fields: ['kind', 'spec'] },
          { credentials: await credentials() },
        ));
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
        const a = absent.get(ref);
        absent.set(ref, { since: a?.since ?? at, asked: at });
        out.set(ref, inGrace(ref, at) ? { state: 'pending' } : { state: 'missing' });
      });
      return out;
    },
  };
}
