export interface Config {
  /** uyoop DRP. S3 keys and the restic password never live here: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and RESTIC_PASSWORD come from the environment. */
  drp?: {
    /** Folder holding kubectl, velero and restic; default: found on PATH. */
    bin?: string;
    /** Kubeconfig of the cluster; default: $KUBECONFIG. */
    kubeconfig?: string;
    /** Namespace of Velero. Default velero. */
    veleroNamespace?: string;
    /** S3 endpoint of the backup buckets (the bucket names come from the catalog). */
    s3?: { endpoint: string; region?: string };
    /** Folder of the restic repository in the locked bucket. Default restic. */
    resticPrefix?: string;
    /** Longest wait of each drill or restore step, in minutes. Default 15. */
    timeoutMinutes?: number;
    /** How often `restic check --read-data-subset` runs, in hours. Default 24. */
    checkEveryHours?: number;
    /** Share of the data packs read back by each check. Default 5%. */
    checkSubset?: string;
    /** How often each PostgreSQL database of the catalog is dumped into restic (tier 2), in hours. Default 24. */
    dumpEveryHours?: number;
    /** Drills run on a schedule (a chaos day), each deleting and restoring its namespace. */
    scheduledDrills?: Array<{ namespace: string; everyDays: number }>;
  };
}
