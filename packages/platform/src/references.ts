import type { Entity } from '@backstage/catalog-model';
import { ANNOTATION_PREFIX } from './annotations';
import { toEntityRef } from './refs';
import type { FieldProblem } from './validate';

/** One place where an entity points at another one. */
export interface EntityReference {
  /** Dotted path of the field holding the reference. */
  field: string;
  /** The reference as written. */
  ref: string;
  /** The kind a bare name means in this field. */
  defaultKind?: string;
  /** The spec.type the target must have (a `uyoop.io/node` must name a node). */
  mustBe?: string;
}

/** Every reference of an entity: the Backstage spec fields and the uyoop.io/ annotations. */
export function referencesOf(entity: Entity): EntityReference[] {
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const out: EntityReference[] = [];
  const one = (field: string, value: unknown, defaultKind?: string) => {
    if (typeof value === 'string') out.push({ field, ref: value, defaultKind });
  };
  const many = (field: string, value: unknown, defaultKind?: string) => {
    if (Array.isArray(value))
      value.forEach((v, i) => one(`${field}[${i}]`, v, defaultKind));
  };
  one('spec.owner', spec.owner, 'group');
  one('spec.system', spec.system, 'system');
  one('spec.domain', spec.domain, 'domain');
  one('spec.parent', spec.parent, 'group');
  many('spec.children', spec.children, 'group');
  many('spec.memberOf', spec.memberOf, 'group');
  many('spec.dependsOn', spec.dependsOn);
  many('spec.dependencyOf', spec.dependencyOf);
  const annotations = entity.metadata.annotations ?? {};
  annotations[`${ANNOTATION_PREFIX}node`]?.split(',').forEach(n =>
    out.push({
      field: `metadata.annotations["${ANNOTATION_PREFIX}node"]`,
      ref: `resource:${n}`,
      mustBe: 'node',
    }),
  );
  annotations[`${ANNOTATION_PREFIX}deploys`]?.split(',').forEach(r =>
    out.push({
      field: `metadata.annotations["${ANNOTATION_PREFIX}deploys"]`,
      ref: r,
    }),
  );
  return out;
}

/** A reference resolved to a full entity ref, or the problem of a malformed one. */
export type ResolvedReference = EntityReference &
  (
    | { target: string; problem?: undefined }
    | { target?: undefined; problem: FieldProblem }
  );

/** Resolves every reference of an entity to a full ref (`kind:namespace/name`). */
export function resolveReferences(entity: Entity): ResolvedReference[] {
  return referencesOf(entity).map(r => {
    try {
      return { ...r, target: toEntityRef(r.ref, r.defaultKind) };
    } catch (e) {
      return {
        ...r,
        problem: { field: r.field, message: (e as Error).message },
      };
    }
  });
}

/**
 * The problem of one resolved reference, given what the catalog holds at its
 * target (undefined when nothing): the same words for the command line and the portal.
 */
export function referenceProblem(
  r: ResolvedReference,
  found: Pick<Entity, 'spec'> | undefined,
): FieldProblem | undefined {
  if (r.problem) return r.problem;
  if (!found) {
    return {
      field: r.field,
      message: `refers to ${r.target}, which is not in the catalog`,
    };
  }
  if (r.mustBe && found.spec?.type !== r.mustBe) {
    return { field: r.field, message: `${r.target} is not a ${r.mustBe}` };
  }
  return undefined;
}
