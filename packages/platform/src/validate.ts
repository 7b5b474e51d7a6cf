import {
  DefaultNamespaceEntityPolicy,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  KindValidator,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import {
  ANNOTATION_PREFIX,
  annotationSchemaFor,
  resourceTypes,
} from './annotations';

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

const kindValidators: KindValidator[] = [
  componentEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  apiEntityV1alpha1Validator,
];

/** A field problem of one entity: `field` is a dotted path. */
export interface FieldProblem {
  field?: string;
  message: string;
}

/**
 * Turns a Backstage validator message into a field path. The schema
 * validators say `/spec must have required property 'owner' - missingProperty: owner`
 * or `/spec/type must be string - type: string`; the field-format policy says
 * `"metadata.name" is not valid; ...`.
 */
export function fieldOf(message: string): FieldProblem {
  const text = message.replace(/^[^:]*Error: /, '');
  const required = text.match(
    /"?(\/[^\s"]*)?"? ?must have required property '([^']+)'/,
  );
  if (required) {
    const parent = (required[1] ?? '').replace(/^\//, '').replace(/\//g, '.');
    return {
      field: parent ? `${parent}.${required[2]}` : required[2],
      message: 'is required',
    };
  }
  const pointer = text.match(/^"?(\/[^\s"]+)"? (.*?)(?: - [^-]*)?$/s);
  if (pointer) {
    return {
      field: pointer[1].replace(/^\//, '').replace(/\//g, '.'),
      message: pointer[2],
    };
  }
  const quoted = text.match(/^"([a-zA-Z.[\]0-9]+)" (.*)$/s);
  if (quoted) return { field: quoted[1], message: quoted[2] };
  return { message: text };
}

/** Validates one entity with the Backstage model, then the uyoop annotations. */
export async function validateEntity(entity: Entity): Promise<FieldProblem[]> {
  try {
    await policy.enforce(entity);
  } catch (e) {
    return [fieldOf((e as Error).message)];
  }
  let known = false;
  for (const validator of kindValidators) {
    try {
      if (await validator.check(entity)) known = true;
    } catch (e) {
      return [fieldOf((e as Error).message)];
    }
  }
  if (!known) {
    return [
      {
        field: 'kind',
        message: `unknown kind "${entity.kind}" (or apiVersion "${entity.apiVersion}")`,
      },
    ];
  }
  return validateAnnotations(entity);
}

/** The uyoop part of the validation: namespace and uyoop.io/ annotations; the Backstage model must already hold. */
export function validateAnnotations(entity: Entity): FieldProblem[] {
  const annotations = entity.metadata.annotations ?? {};
  const ours = Object.fromEntries(
    Object.entries(annotations).filter(([k]) =>
      k.startsWith(ANNOTATION_PREFIX),
    ),
  );
  const type = entity.spec?.type;
  if (entity.kind === 'Resource' && !resourceTypes.includes(String(type))) {
    return [
      {
        field: 'spec.type',
        message: `unknown resource type "${type}", expected one of ${resourceTypes.join(
          ', ',
        )}`,
      },
    ];
  }
  const problems: FieldProblem[] = [];
  const needsNamespace = entity.kind === 'Component' || type === 'database';
  if (needsNamespace && !annotations['backstage.io/kubernetes-namespace']) {
    problems.push({
      field: 'metadata.annotations["backstage.io/kubernetes-namespace"]',
      message: 'is required',
    });
  }
  const schema = annotationSchemaFor(entity.kind, type);
  if (!schema) {
    for (const key of Object.keys(ours)) {
      problems.push({
        field: `metadata.annotations["${key}"]`,
        message: `does not belong on a ${entity.kind}`,
      });
    }
    return problems;
  }
  const result = schema.safeParse(ours);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.length ? String(issue.path[0]) : undefined;
      const unknownKeys =
        issue.code === 'unrecognized_keys' ? issue.keys : undefined;
      if (unknownKeys) {
        for (const k of unknownKeys) {
          problems.push({
            field: `metadata.annotations["${k}"]`,
            message: 'unknown annotation (see catalog/README.md)',
          });
        }
      } else {
        problems.push({
          field: key
            ? `metadata.annotations["${key}"]`
            : 'metadata.annotations',
          message:
            ours[key ?? ''] === undefined && issue.code === 'invalid_type'
              ? 'is required'
              : issue.message,
        });
      }
    }
  }
  return problems;
}
