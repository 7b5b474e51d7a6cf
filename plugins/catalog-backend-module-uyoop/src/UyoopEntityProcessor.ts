import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type {
  AlphaEntity,
  EntityStatusItem,
} from '@backstage/catalog-model/alpha';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_PREFIX,
  FieldProblem,
  referenceProblem,
  resolveReferences,
  validateAnnotations,
} from '@internal/platform';
import type { CatalogLookup } from './catalogLookup';

/** The type of the catalog's processing errors: the stock "Processing Status" filter and error panel read it. */
const PROCESSING_STATUS_TYPE = 'backstage.io/catalog-processing';

export const RELATION_HOSTED_ON = 'hostedOn';
export const RELATION_HOSTS = 'hosts';

/** A problem as the command line prints it after file and entity: `field: message`. */
export function describeProblem(p: FieldProblem): string {
  return [p.field, p.message].filter(Boolean).join(': ');
}

/**
 * Runs the uyoop validation of packages/platform on every entity the catalog
 * processes (the Backstage model itself is checked by the catalog before),
 * and derives hostedOn/hosts from `uyoop.io/node` as the loader does.
 *
 * An entity with problems is kept, with each problem as a processing error
 * in its status, so the portal shows it where it shows every processing
 * error; it gets no hosting relation, so no page counts it as placed.
 */
export class UyoopEntityProcessor implements CatalogProcessor {
  constructor(private readonly lookup: CatalogLookup) {}

  getProcessorName(): string {
    return 'UyoopEntityProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const problems = validateAnnotations(entity);
    const references = resolveReferences(entity);
    const lookups = await this.lookup.find(
      references.flatMap(r => (r.target ? [r.target] : [])),
    );
    for (const r of references) {
      const lookup = r.target ? lookups.get(r.target) : undefined;
      // Not known yet (maybe not read yet): the next processing checks it again.
      if (lookup?.state === 'pending') continue;
      const problem = referenceProblem(
        r,
        lookup?.state === 'found' ? lookup.entity : undefined,
      );
      if (problem) problems.push(problem);
    }
    if (problems.length) return withProblems(entity, problems);

    const self = parseEntityRef(stringifyEntityRef(entity));
    const nodes = entity.metadata.annotations?.[`${ANNOTATION_PREFIX}node`];
    for (const name of nodes ? nodes.split(',') : []) {
      const node = { kind: 'resource', namespace: 'default', name };
      emit(
        processingResult.relation({
          source: self,
          type: RELATION_HOSTED_ON,
          target: node,
        }),
      );
      emit(
        processingResult.relation({
          source: node,
          type: RELATION_HOSTS,
          target: self,
        }),
      );
    }
    return entity;
  }
}

function withProblems(
  entity: AlphaEntity,
  problems: FieldProblem[],
): AlphaEntity {
  const items: EntityStatusItem[] = problems.map(p => ({
    type: PROCESSING_STATUS_TYPE,
    level: 'error',
    message: `InputError: ${describeProblem(p)}`,
    error: { name: 'InputError', message: describeProblem(p) },
  }));
  return {
    ...entity,
    status: {
      ...entity.status,
      items: [...(entity.status?.items ?? []), ...items],
    },
  };
}
