import type { KubeObject } from './kube';

/** What a backup holds compared with what the namespace held when it was taken. */
export interface BackupVerification {
  backup: string;
  namespace: string;
  complete: boolean;
  /** `group/version/Kind` with objects in the namespace and none in the backup. */
  missingKinds: string[];
  /** `group/version/Kind namespace/name` of every object left out. */
  missingObjects: string[];
  objectsExpected: number;
}

/**
 * Compares the namespace's objects, listed through a fresh discovery when the
 * backup was taken, with the backup's resource list (Velero's
 * `<backup>-resource-list.json.gz`: `group/version/Kind` -> `namespace/name`).
 * A Completed backup can still miss objects: custom resources of a CRD
 * created after Velero's last discovery refresh are silently left out.
 */
export function verifyBackupContents(
  backup: string,
  namespace: string,
  live: KubeObject[],
  resourceList: Record<string, string[]>,
): BackupVerification {
  const held = new Map(
    Object.entries(resourceList).map(([k, names]) => [k, new Set(names)]),
  );
  const missingKinds = new Set<string>();
  const missingObjects: string[] = [];
  for (const o of live) {
    const kind = `${o.apiVersion}/${o.kind}`;
    const name = `${namespace}/${o.metadata?.name}`;
    const names = held.get(kind);
    if (!names) missingKinds.add(kind);
    if (!names?.has(name)) missingObjects.push(`${kind} ${name}`);
  }
  missingObjects.sort();
  return {
    backup,
    namespace,
    complete: missingObjects.length === 0,
    missingKinds: [...missingKinds].sort(),
    missingObjects,
    objectsExpected: live.length,
  };
}
