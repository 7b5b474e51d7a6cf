import { isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * Every custom annotation of the catalog uses this prefix; catalog/README.md
 * documents each one. An unknown key under the prefix is an error, so a typo
 * never silently drops a setting.
 */
export const ANNOTATION_PREFIX = 'uyoop.io/';

const positiveInt = z
  .string()
  .regex(/^[1-9]\d*$/, 'expected a positive whole number, as a string');
const amount = z
  .string()
  .regex(/^\d+(\.\d{1,2})?$/, 'expected an amount such as 14.28');
const ipv4 = z.string().refine(isIPv4, 'expected an IPv4 address');
const cidr = z
  .string()
  .refine(
    v => /^[\d.]+\/(\d|[12]\d|3[0-2])$/.test(v) && isIPv4(v.split('/')[0]),
    'expected an IPv4 CIDR such as 10.80.0.0/24',
  );
const dnsName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
    'expected a DNS name',
  );
const nodeList = z
  .string()
  .regex(
    /^[a-z0-9-]+(,[a-z0-9-]+)*$/,
    'expected node names separated by commas',
  );
const refList = z
  .string()
  .regex(
    /^[a-z]+:[a-z0-9-]+(,[a-z]+:[a-z0-9-]+)*$/,
    'expected entity refs such as component:ghost, separated by commas',
  );
/** Kubernetes taints, `key=value:Effect`, separated by commas. */
const taints = z
  .string()
  .regex(
    /^[a-z0-9./-]+=[a-z0-9-]*:(NoSchedule|PreferNoSchedule|NoExecute)(,[a-z0-9./-]+=[a-z0-9-]*:(NoSchedule|PreferNoSchedule|NoExecute))*$/,
    'expected taints such as uyoop.io/workload=ai:NoSchedule',
  );
export const storageTiers = [
  'nvme',
  's3',
  'nvme+s3',
  'memory',
  'none',
] as const;
const storageTier = z.enum(storageTiers);

/** A VPS node (Resource, spec.type: node). */
export const nodeAnnotations = z.strictObject({
  'uyoop.io/provider': z.string().min(1),
  'uyoop.io/offer': z.string().min(1),
  'uyoop.io/region': z.string().min(1),
  'uyoop.io/vcpu': positiveInt,
  'uyoop.io/memory-gib': positiveInt,
  'uyoop.io/disk-gib': positiveInt,
  'uyoop.io/monthly-price-eur': amount,
  'uyoop.io/price-basis': z.enum(['HT', 'TTC']),
  'uyoop.io/k3s-role': z.enum(['server', 'agent']),
  'uyoop.io/public-host': dnsName,
  'uyoop.io/mesh-address': ipv4,
  'uyoop.io/taints': taints.optional(),
  /** First month the node is paid for (YYYY-MM): where its cost history starts. */
  'uyoop.io/in-service-since': z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
    .optional(),
});

/** The WireGuard mesh (Resource, spec.type: network). */
export const meshAnnotations = z.strictObject({
  'uyoop.io/mesh-cidr': cidr,
  'uyoop.io/mesh-port': positiveInt,
  'uyoop.io/mesh-interface': z
    .string()
    .regex(/^[a-z0-9]{1,15}$/, 'expected an interface name such as wg0'),
});

/** The colder S3 storage classes a lifecycle rule can move objects to. */
export const s3StorageClasses = [
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;

/** An object storage bucket (Resource, spec.type: s3-bucket). */
export const bucketAnnotations = z
  .strictObject({
    'uyoop.io/provider': z.string().min(1),
    'uyoop.io/region': z.string().min(1),
    'uyoop.io/object-lock': z.enum(['none', 'governance', 'compliance']),
    'uyoop.io/retention-days': positiveInt.optional(),
    'uyoop.io/expire-days': positiveInt.optional(),
    'uyoop.io/transition-days': positiveInt.optional(),
    'uyoop.io/transition-class': z.enum(s3StorageClasses).optional(),
    'uyoop.io/noncurrent-expire-days': positiveInt.optional(),
  })
  .refine(
    a =>
      (a['uyoop.io/transition-days'] === undefined) ===
      (a['uyoop.io/transition-class'] === undefined),
    {
      message: 'a transition needs both its days and its storage class',
      path: ['uyoop.io/transition-class'],
    },
  )
  .refine(
    a =>
      a['uyoop.io/transition-days'] === undefined ||
      a['uyoop.io/expire-days'] === undefined ||
      Number(a['uyoop.io/transition-days']) < Number(a['uyoop.io/expire-days']),
    {
      message:
        'must be fewer than uyoop.io/expire-days: objects move before they expire',
      path: ['uyoop.io/transition-days'],
    },
  )
  .refine(
    a =>
      (a['uyoop.io/object-lock'] === 'none') ===
      (a['uyoop.io/retention-days'] === undefined),
    {
      message: 'a locked bucket needs a retention, an unlocked one has none',
      path: ['uyoop.io/retention-days'],
    },
  )
  .refine(
    a =>
      a['uyoop.io/noncurrent-expire-days'] === undefined ||
      a['uyoop.io/object-lock'] !== 'none',
    {
      message:
        'only a locked bucket is versioned, an unlocked one has no noncurrent versions',
      path: ['uyoop.io/noncurrent-expire-days'],
    },
  )
  .refine(
    a =>
      a['uyoop.io/noncurrent-expire-days'] === undefined ||
      a['uyoop.io/retention-days'] === undefined ||
      Number(a['uyoop.io/noncurrent-expire-days']) >=
        Number(a['uyoop.io/retention-days']),
    {
      message:
        'must be at least uyoop.io/retention-days: a version is only deleted once its lock has ended',
      path: ['uyoop.io/noncurrent-expire-days'],
    },
  );

/** A database (Resource, spec.type: database). */
export const databaseAnnotations = z.strictObject({
  'uyoop.io/engine': z.enum(['postgresql', 'mysql', 'mariadb', 'redis']),
  'uyoop.io/node': nodeList,
  'uyoop.io/storage-tier': storageTier,
});

/** A DNS domain (Resource, spec.type: dns-domain). */
export const domainAnnotations = z.strictObject({
  'uyoop.io/registrar': z.string().min(1),
});

/** A GitLab CI pipeline (Resource, spec.type: ci-pipeline). */
export const pipelineAnnotations = z.strictObject({
  'uyoop.io/pipeline-stages': z
    .string()
    .regex(/^[a-z-]+(,[a-z-]+)*$/, 'expected stage names separated by commas'),
  'uyoop.io/deploys': refList,
});

/** The backup tiers: Velero (cluster objects and volumes), restic (dumps and host volumes, to the locked bucket). */
export const backupTiers = ['velero', 'restic'] as const;

/** Storage tiers that hold data a restore must bring back. */
export const dataTiers: readonly string[] = ['nvme', 's3', 'nvme+s3'];

const backupPolicy = z
  .string()
  .regex(
    /^(velero|restic)(,(velero|restic))?$/,
    'expected backup tiers such as velero,restic',
  );

/** A service (every Component). */
export const serviceAnnotations = z
  .strictObject({
    'uyoop.io/node': nodeList,
    'uyoop.io/storage-tier': storageTier,
    'uyoop.io/runtime': z.enum(['k3s', 'compose', 'host']),
    /** The backup tiers that cover the service's data. */
    'uyoop.io/backup': backupPolicy.optional(),
  })
  .superRefine((a, ctx) => {
    const tiers = a['uyoop.io/backup']?.split(',') ?? [];
    if (dataTiers.includes(a['uyoop.io/storage-tier']) && !tiers.length)
      ctx.addIssue({
        code: 'custom',
        path: ['uyoop.io/backup'],
        message: `is required: storage tier ${a['uyoop.io/storage-tier']} holds data, say which backup tiers cover it (velero, restic)`,
      });
    // Velero only sees the cluster: a compose stack's host volumes need restic.
    if (
      a['uyoop.io/runtime'] !== 'k3s' &&
      tiers.length &&
      !tiers.includes('restic')
    )
      ctx.addIssue({
        code: 'custom',
        path: ['uyoop.io/backup'],
        message: `a ${a['uyoop.io/runtime']} service is outside the cluster, so Velero cannot back it up: include restic`,
      });
  });

/** Annotation schema by entity kind and spec.type; entities not listed carry no uyoop.io/ annotation. */
export function annotationSchemaFor(kind: string, type: unknown) {
  if (kind === 'Component') return serviceAnnotations;
  if (kind !== 'Resource') return undefined;
  return (
    {
      node: nodeAnnotations,
      network: meshAnnotations,
      's3-bucket': bucketAnnotations,
      database: databaseAnnotations,
      'dns-domain': domainAnnotations,
      'ci-pipeline': pipelineAnnotations,
    } as Record<string, z.ZodType>
  )[String(type)];
}

/** The resource types the catalog knows. */
export const resourceTypes = [
  'node',
  'network',
  's3-bucket',
  'database',
  'dns-domain',
  'ci-pipeline',
];
