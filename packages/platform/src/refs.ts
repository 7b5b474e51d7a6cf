import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** The full ref (`kind:namespace/name`) of a possibly short one; a bare name takes `defaultKind`. */
export function toEntityRef(value: string, defaultKind?: string): string {
  return stringifyEntityRef(
    parseEntityRef(value, { defaultKind, defaultNamespace: 'default' }),
  );
}
