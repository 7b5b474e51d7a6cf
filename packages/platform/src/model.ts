import type { Entity } from '@backstage/catalog-model';

/** A Kubernetes node taint. */
export interface Taint {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A VPS of the platform and a K3s node. */
export interface PlatformNode {
  name: string;
  title: string;
  provider: string;
  offer: string;
  region: string;
  vcpu: number;
  memoryGiB: number;
  diskGiB: number;
  monthlyPrice: { amount: number; currency: 'EUR'; basis: 'HT' | 'TTC' };
  k3sRole: 'server' | 'agent';
  publicHost: string;
  meshAddress: string;
  /** Kubernetes labels the node carries (and the testbed gives its simulated node). */
  labels: Record<string, string>;
  taints: Taint[];
  /** The System the node belongs to (its own cost, when no namespace takes it). */
  system: string;
  /** First month the node is paid for (YYYY-MM), when the catalog says. */
  inServiceSince?: string;
  /** Names of the components this node hosts. */
  services: string[];
}

export interface PlatformService {
  name: string;
  title: string;
  type: string;
  lifecycle: string;
  system: string;
  owner: string;
  namespace: string;
  nodes: string[];
  storageTier: string;
  runtime: 'k3s' | 'compose' | 'host';
  /** Backup tiers covering its data (`uyoop.io/backup`); empty when it holds none. */
  backup: ('velero' | 'restic')[];
  /** Entity refs, e.g. `resource:default/core-prod`. */
  dependsOn: string[];
}

export interface PlatformNamespace {
  name: string;
  services: string[];
  nodes: string[];
  systems: string[];
}

export interface Mesh {
  name: string;
  cidr: string;
  port: number;
  interface: string;
  peers: { node: string; address: string; publicHost: string }[];
}

export interface Bucket {
  name: string;
  title: string;
  system: string;
  owner: string;
  objectLock: 'none' | 'governance' | 'compliance';
  retentionDays?: number;
  /** Lifecycle: current objects are deleted this many days after they were written. */
  expireDays?: number;
  /** Lifecycle: current objects move to a colder S3 storage class this many days after they were written. */
  transition?: { days: number; storageClass: string };
  /**
   * Lifecycle, on a versioned (locked) bucket: a version that is no longer
   * current is deleted this many days later, at least the retention, so that
   * old versions do not pile up once their lock has ended.
   */
  noncurrentExpireDays?: number;
}

export interface Database {
  name: string;
  engine: string;
  nodes: string[];
  namespace: string;
  system: string;
}

export interface Pipeline {
  name: string;
  project?: string;
  stages: string[];
  /** Entity refs of the components the pipeline deploys. */
  deploys: string[];
}

/** A relation between two entities, by full entity ref. */
export interface Relation {
  source: string;
  type: string;
  target: string;
}

/** One entity and the file it came from. */
export interface LoadedEntity {
  ref: string;
  file: string;
  entity: Entity;
}

export interface Platform {
  entities: LoadedEntity[];
  nodes: PlatformNode[];
  services: PlatformService[];
  namespaces: PlatformNamespace[];
  mesh: Mesh;
  buckets: Bucket[];
  databases: Database[];
  domains: string[];
  pipelines: Pipeline[];
  systems: string[];
  groups: string[];
  users: string[];
  /** Every relation: those Backstage derives (ownedBy, partOf, dependsOn, memberOf...) and hostedOn. */
  relations: Relation[];
}
