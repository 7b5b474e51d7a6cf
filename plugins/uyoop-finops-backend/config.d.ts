export interface Config {
  /** uyoop FinOps. OVH credentials never live here: OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY (and OVH_CLOUD_PROJECT_ID) come from the environment. */
  finops?: {
    /** How often costs are ingested, in minutes. Default 60. */
    ingestEveryMinutes?: number;
    /** Where the OVH API is reached when not at the endpoint of OVH_ENDPOINT (an egress proxy, or a local contract server in tests). */
    ovhApi?: { host: string; port?: number };
    /** Node name -> OVH VPS service name (vps-xxxx.vps.ovh.net), when the VPS display names are not the node names. */
    nodeServices?: { [node: string]: string };
    /** Manual cost entries (CSV or YAML files), imported at every ingestion. */
    manualEntries?: string[];
    /** Kubeconfig file of the cluster whose requests drive the allocation; without it, the catalog's even split. */
    kubeconfig?: string;
    /** Weights of CPU and memory in a namespace's share of a node. Default 0.5 / 0.5. */
    allocationWeights?: { cpu: number; memory: number };
    /** Monthly budgets; default: the dossier's totals. */
    budgets?: Array<{
      name: string;
      /** `all`, `system:<name>` or `group:<name>` */
      scope: string;
      monthly: number;
      basis: 'HT' | 'TTC';
      thresholds?: number[];
    }>;
  };
}
