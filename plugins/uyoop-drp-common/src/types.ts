/** A preflight finding: something that will not be backed up, or cannot be. */
export interface Finding {
  severity: 'error' | 'warning';
  /** tool, bucket, coverage */
  area: 'tool' | 'bucket' | 'coverage' | 'cluster';
  /** What it is about: a tool, a bucket, `component:ghost`, `prod-web/pvc/data`. */
  subject: string;
  message: string;
}

export interface PreflightReport {
  at: string;
  ok: boolean;
  findings: Finding[];
  /** What was checked and found fine, so a pass says what it covered. */
  passed: string[];
}

export type BackupPhase =
  | 'New'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyFailed'
  | 'Failed'
  | 'FailedValidation'
  | 'Deleting'
  | string;

/** A Velero Backup, as the inventory shows it. */
export interface BackupInfo {
  name: string;
  phase: BackupPhase;
  namespaces: string[];
  /** ISO time the backup started (its data is as of this moment). */
  startedAt?: string;
  completedAt?: string;
  expiresAt?: string;
  schedule?: string;
  itemsBackedUp?: number;
  totalItems?: number;
  errors: number;
  warnings: number;
}

export interface ScheduleInfo {
  name: string;
  cron: string;
  namespaces: string[];
  lastBackup?: string;
  paused: boolean;
}

export interface StorageLocationInfo {
  name: string;
  bucket: string;
  phase: string;
  lastValidated?: string;
}

export interface SnapshotInfo {
  id: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
}

/** The recovery point of one catalog service: now minus its last good backup. */
export interface ServiceRpo {
  service: string;
  namespace: string;
  tiers: ('velero' | 'restic')[];
  lastBackup?: string;
  /** Seconds; undefined when no good backup exists. */
  rpoSeconds?: number;
}

export interface Inventory {
  at: string;
  backups: BackupInfo[];
  schedules: ScheduleInfo[];
  locations: StorageLocationInfo[];
  snapshots: SnapshotInfo[];
  rpo: ServiceRpo[];
}

export type RestoreMode = 'scratch' | 'in-place';

/** A Velero Restore under way or done, as its progress shows. */
export interface RestoreProgress {
  name: string;
  phase: string;
  itemsRestored?: number;
  totalItems?: number;
  errors: number;
  warnings: number;
  volumeBytesDone: number;
  volumeBytesTotal: number;
}

/** What a restore will do, before it does it. */
export interface RestorePlan {
  backup: string;
  mode: RestoreMode;
  sourceNamespace: string;
  targetNamespace: string;
  /** The Velero Restore's name. */
  restoreName: string;
  /** Velero's --namespace-mappings, when the target differs from the source. */
  namespaceMappings: Record<string, string>;
  /** The live namespace must be gone first (velero#5697). */
  waitForNamespaceGone: boolean;
}

/** Per-object and per-probe digests of a namespace's data. */
export interface Fingerprint {
  /** `Kind/name` -> sha256 of the object's content, without what the cluster fills in. */
  objects: Record<string, string>;
  /** probe name -> sha256 of its output (rows of a table, checksums of files). */
  data: Record<string, string>;
}

export interface FingerprintDiff {
  missing: string[];
  extra: string[];
  changed: string[];
}

export type DrillStepName =
  | 'choose-backup'
  | 'fingerprint-before'
  | 'delete-namespace'
  | 'namespace-gone'
  | 'restore-started'
  | 'restore-completed'
  | 'pods-ready'
  | 'fingerprint-after';

export interface DrillStep {
  step: DrillStepName;
  at: string;
  detail?: string;
}

export type DrillStatus = 'running' | 'succeeded' | 'failed';

/** The stored proof of one drill. */
export interface DrillRecord {
  id: string;
  namespace: string;
  status: DrillStatus;
  actor: string;
  startedAt: string;
  finishedAt?: string;
  backup?: string;
  /** When the backup's data was taken. */
  backupStartedAt?: string;
  restoreName?: string;
  timeline: DrillStep[];
  /** Delete to ready, seconds. */
  rtoSeconds?: number;
  /** Drill start minus the backup used, seconds. */
  rpoSeconds?: number;
  before?: Fingerprint;
  after?: Fingerprint;
  diff?: FingerprintDiff;
  /** Velero's restore warnings and errors, one row per resource. */
  restoreResults?: {
    resource: string;
    kind: 'error' | 'warning';
    message: string;
    hint?: string;
  }[];
  error?: string;
}
