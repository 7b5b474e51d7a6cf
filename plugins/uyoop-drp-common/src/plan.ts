import type {
  BackupInfo,
  DrillRecord,
  DrillStepName,
  Fingerprint,
  FingerprintDiff,
  RestoreMode,
  RestorePlan,
} from './types';

/** Thrown for a request that cannot be planned; the message says what to change. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Plans a restore of one namespace from one backup. Scratch is the default:
 * the backup lands in `<namespace>-restore-<suffix>` through a namespace
 * mapping, and nothing live is touched. In place needs the namespace's name
 * typed as confirmation, and waits for the live namespace to be gone.
 */
export function planRestore(input: {
  backup: BackupInfo;
  namespace: string;
  mode?: RestoreMode;
  /** For in place: the namespace's name, typed by the person. */
  confirm?: string;
  /** For scratch: the target, default `<namespace>-restore-<suffix>`. */
  target?: string;
  /** Keeps names of one run apart from the next. */
  suffix: string;
}): RestorePlan {
  const { backup, namespace, suffix } = input;
  const mode = input.mode ?? 'scratch';
  if (!DNS_LABEL.test(namespace))
    throw new PlanError(`"${namespace}" is not a namespace name`);
  if (!['Completed', 'PartiallyFailed'].includes(backup.phase))
    throw new PlanError(
      `backup ${backup.name} is ${backup.phase}: only a Completed (or PartiallyFailed) backup can be restored`,
    );
  if (backup.namespaces.length && !backup.namespaces.includes(namespace))
    throw new PlanError(
      `backup ${backup.name} holds ${backup.namespaces.join(
        ', ',
      )}, not ${namespace}`,
    );
  const restoreName = `${backup.name}-${suffix}`
    .slice(0, 63)
    .replace(/-+$/, '');
  if (mode === 'in-place') {
    if (input.confirm !== namespace)
      throw new PlanError(
        `an in-place restore replaces ${namespace}: type its name to confirm`,
      );
    return {
      backup: backup.name,
      mode,
      sourceNamespace: namespace,
      targetNamespace: namespace,
      restoreName,
      namespaceMappings: {},
      waitForNamespaceGone: true,
    };
  }
  const target =
    input.target ??
    `${namespace}-restore-${suffix}`.slice(0, 63).replace(/-+$/, '');
  if (!DNS_LABEL.test(target))
    throw new PlanError(`"${target}" is not a namespace name`);
  if (target === namespace)
    throw new PlanError(
      `a scratch restore needs another namespace than ${namespace}; for ${namespace} itself, ask for an in-place restore`,
    );
  return {
    backup: backup.name,
    mode,
    sourceNamespace: namespace,
    targetNamespace: target,
    restoreName,
    namespaceMappings: { [namespace]: target },
    waitForNamespaceGone: false,
  };
}

/** The last good backup holding a namespace, as of `at` (a drill never uses a later one). */
export function latestGoodBackup(
  backups: BackupInfo[],
  namespace: string,
  at?: Date,
): BackupInfo | undefined {
  return backups
    .filter(
      b =>
        b.phase === 'Completed' &&
        b.startedAt &&
        (b.namespaces.includes(namespace) || b.namespaces.includes('*')) &&
        (!at || Date.parse(b.startedAt) <= at.getTime()),
    )
    .sort((a, b) => Date.parse(b.startedAt!) - Date.parse(a.startedAt!))[0];
}

/** Compares the fingerprints taken before a drill and after its restore. */
export function compareFingerprints(
  before: Fingerprint,
  after: Fingerprint,
): FingerprintDiff {
  const diff: FingerprintDiff = { missing: [], extra: [], changed: [] };
  for (const [kind, a, b] of [
    ['', before.objects, after.objects],
    ['data:', before.data, after.data],
  ] as const) {
    for (const [k, v] of Object.entries(a)) {
      if (!(k in b)) diff.missing.push(kind + k);
      else if (b[k] !== v) diff.changed.push(kind + k);
    }
    for (const k of Object.keys(b)) if (!(k in a)) diff.extra.push(kind + k);
  }
  for (const l of Object.values(diff)) l.sort();
  return diff;
}

export const sameFingerprint = (d: FingerprintDiff) =>
  !d.missing.length && !d.extra.length && !d.changed.length;

const stepAt = (r: DrillRecord, step: DrillStepName) =>
  r.timeline.find(s => s.step === step)?.at;

/** RTO (delete to pods ready) and RPO (drill start minus the backup's time), in seconds. */
export function measureDrill(r: DrillRecord): {
  rtoSeconds?: number;
  rpoSeconds?: number;
} {
  const deleted = stepAt(r, 'delete-namespace');
  const ready = stepAt(r, 'pods-ready');
  const secs = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;
  return {
    rtoSeconds: deleted && ready ? secs(deleted, ready) : undefined,
    rpoSeconds: r.backupStartedAt
      ? secs(r.backupStartedAt, r.startedAt)
      : undefined,
  };
}

/** Hints for Velero's restore messages that people keep asking about (velero#4223). */
export function hintFor(message: string): string | undefined {
  const rules: [RegExp, string][] = [
    [
      /already exists/i,
      'the object was still there: restore into a scratch namespace, or delete it first',
    ],
    [
      /being terminated|terminating/i,
      'the namespace was still terminating (velero#5697): wait until it is gone, or restore under a new name',
    ],
    [
      /could not find|not found|no matches for kind/i,
      'the kind is unknown to the cluster: install its CRD before restoring',
    ],
    [
      /forbidden|unauthorized/i,
      "Velero's service account lacks the permission for this kind",
    ],
    [
      /hostpath|host path/i,
      'Velero skips hostPath volumes: back the data up with restic',
    ],
    [
      /timed? ?out|deadline/i,
      'the volume restore ran out of time: raise the node agent timeout or check the node agent logs',
    ],
  ];
  return rules.find(([re]) => re.test(message))?.[1];
}

/** Velero's restore phases after which nothing more happens. */
export const RESTORE_DONE = [
  'Completed',
  'PartiallyFailed',
  'Failed',
  'FailedValidation',
];

/** A duration for people: 22.8 s, 4.5 min, 26.0 h; "not measured" without one. */
export const formatSeconds = (s?: number) => {
  if (s === undefined) return 'not measured';
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};
