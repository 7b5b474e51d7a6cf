import { createHash } from 'node:crypto';
import type { Fingerprint } from '@internal/plugin-uyoop-drp-common';
import type { Cluster, KubeObject } from './kube';

/** A command whose output stands for a piece of data: rows of a table, checksums of files. */
export interface DataProbe {
  name: string;
  /** Label selector of the pod to run it in. */
  selector: string;
  container?: string;
  command: string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** JSON with sorted keys, so equal objects give equal digests. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter(k => (v as any)[k] !== undefined)
      .map(k => `${JSON.stringify(k)}:${canonicalJson((v as any)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const VOLATILE_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/selected-node',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
];

/**
 * An object's content without what the cluster fills in or a restore
 * changes on purpose (uid, versions, timestamps, status, Velero's labels,
 * the addresses a Service gets, the volume a claim is bound to), so that an
 * object restored as it was backed up has the same digest.
 */
export function comparableObject(o: KubeObject, namespace?: string) {
  const { metadata = {}, status: _status, ...rest } = o;
  const labels = Object.fromEntries(
    Object.entries(metadata.labels ?? {}).filter(
      ([k]) => !k.startsWith('velero.io/'),
    ),
  );
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter(
      ([k]) => !VOLATILE_ANNOTATIONS.includes(k) && !k.startsWith('velero.io/'),
    ),
  );
  const spec = rest.spec ? { ...rest.spec } : undefined;
  if (spec && o.kind === 'Service') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (spec && o.kind === 'PersistentVolumeClaim') delete spec.volumeName;
  const out: Record<string, unknown> = {
    ...rest,
    spec,
    metadata: {
      name: metadata.name,
      namespace: namespace ?? metadata.namespace,
      labels: Object.keys(labels).length ? labels : undefined,
      annotations: Object.keys(annotations).length ? annotations : undefined,
    },
  };
  if (o.kind === 'ServiceAccount') delete out.secrets;
  return out;
}

export const objectKey = (o: KubeObject) => {
  const group = (o.apiVersion ?? '').includes('/')
    ? `.${o.apiVersion!.split('/')[0]}`
    : '';
  return `${o.kind}${group}/${o.metadata?.name}`;
};

/** Digests of objects, compared across namespaces (a scratch restore has another name). */
export function objectsFingerprint(objects: KubeObject[]) {
  return Object.fromEntries(
    objects
      .map(o => [objectKey(o), sha256(canonicalJson(comparableObject(o, '')))])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The namespace's objects and data, as digests. */
export async function takeFingerprint(
  cluster: Cluster,
  namespace: string,
  probes: DataProbe[],
): Promise<Fingerprint> {
  const objects = objectsFingerprint(await cluster.namespaceObjects(namespace));
  const data: Record<string, string> = {};
  for (const p of probes)
    data[p.name] = sha256(
      await cluster.execIn(namespace, p.selector, p.command, p.container),
    );
  return { objects, data };
}
