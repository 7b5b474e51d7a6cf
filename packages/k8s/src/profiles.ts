/**
 * What the catalog does not say about the cluster: sizes, ports, public
 * hosts and network needs, keyed by catalog names. The generators join these
 * with the catalog (namespaces, nodes, owners, systems, dependsOn), and a test
 * fails when a catalog service or namespace has no entry here.
 */
import type { Context, Model } from './workloads/kit';

/** A Kubernetes namespace's tier: prod namespaces are never reached from dev ones. */
export type Tier = 'prod' | 'dev';

export interface NamespaceProfile {
  tier: Tier;
  /** Internet ports (TCP) the namespace's pods may open, for the services that need them. */
  internetEgress?: { ports: number[]; why: string };
  /** Ports on the nodes (mesh addresses) its pods may open: the K3s API, node metrics, SMTP on the host. */
  nodeEgress?: { ports: number[]; why: string };
  /** Ports its pods accept from the nodes themselves (the API server calling a webhook). */
  nodeIngress?: { ports: number[]; why: string };
}

/**
 * Every namespace the platform manages. kube-system belongs to K3s (Traefik,
 * CoreDNS): it gets no quota and no policy from here.
 */
export const namespaceProfiles: Record<string, NamespaceProfile> = {
  'prod-mail': { tier: 'prod' },
  'prod-cloud': {
    tier: 'prod',
    internetEgress: { ports: [443], why: 'S3 primary storage of Nextcloud' },
  },
  'prod-web': { tier: 'prod' },
  'devops-factory': {
    tier: 'prod',
    internetEgress: {
      ports: [443],
      why: 'CI artifacts on S3, package registries for Renovate and the runners',
    },
    nodeEgress: {
      ports: [6443],
      why: 'the runners start job pods through the K3s API',
    },
  },
  security: {
    tier: 'prod',
    nodeEgress: {
      ports: [587],
      why: 'Authelia mails one-time codes through Mailcow',
    },
  },
  platform: {
    tier: 'prod',
    internetEgress: { ports: [443], why: 'the OVH API (FinOps, provisioning)' },
    nodeEgress: { ports: [6443], why: 'the portal reads the cluster' },
  },
  monitoring: {
    tier: 'prod',
    internetEgress: {
      ports: [80, 443],
      why: 'the Discord webhook, and the blackbox probes of the public sites',
    },
    nodeEgress: {
      ports: [587, 6443, 9100, 10250],
      why: 'Alertmanager mails through Mailcow; Prometheus discovers through the K3s API and scrapes the nodes',
    },
  },
  'cert-manager': {
    tier: 'prod',
    internetEgress: { ports: [443], why: "the ACME directory (Let's Encrypt)" },
    nodeEgress: { ports: [6443], why: 'cert-manager watches Certificates' },
    nodeIngress: { ports: [10250], why: 'the API server calls the webhook' },
  },
  velero: {
    tier: 'prod',
    internetEgress: { ports: [443], why: 'the Velero bucket on S3' },
    nodeEgress: {
      ports: [6443],
      why: 'Velero reads and restores cluster state',
    },
  },
  backup: {
    tier: 'prod',
    internetEgress: {
      ports: [443],
      why: 'the Object Lock bucket on S3 (restic)',
    },
  },
  'ai-lab': { tier: 'dev' },
  'dev-lab': { tier: 'dev' },
};

/**
 * The namespaces of the dossier that hold no catalog service yet: they exist
 * from day one so that their quota and isolation are in place.
 */
export const extraNamespaces: Record<
  string,
  { owner: string; system: string }
> = {
  'dev-lab': { owner: 'developers', system: 'ai-lab' },
};

/** Namespaces the platform does not manage but whose pods the policies name. */
export const SYSTEM_NAMESPACE = 'kube-system';

export interface Sizing {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  /** The port the service answers on inside the cluster. */
  port?: number;
  /**
   * Where Prometheus scrapes it (may equal `port`: the portal serves the FinOps
   * gauges on 7007). Without it, the service is not scraped and its port stays
   * closed to monitoring.
   */
  metricsPort?: number;
}

/**
 * Requests and limits of each catalog service and database that runs in the
 * cluster or beside it on a node (Mailcow's compose stack takes its share of
 * core-prod all the same). `bundled` names the service a database lives in.
 */
export const sizing: Record<string, Sizing | { bundled: string }> = {
  mailcow: {
    requests: { cpu: '1', memory: '5Gi' },
    limits: { cpu: '2', memory: '6Gi' },
  },
  'mailcow-db': { bundled: 'mailcow' },
  nextcloud: {
    requests: { cpu: '500m', memory: '1Gi' },
    limits: { cpu: '2', memory: '3Gi' },
    port: 80,
    metricsPort: 9205,
  },
  'nextcloud-db': {
    requests: { cpu: '250m', memory: '512Mi' },
    limits: { cpu: '1', memory: '1Gi' },
    port: 5432,
  },
  gitlab: {
    requests: { cpu: '1500m', memory: '6Gi' },
    limits: { cpu: '4', memory: '8Gi' },
    port: 80,
    metricsPort: 9168,
  },
  'gitlab-db': { bundled: 'gitlab' },
  'gitlab-runner': {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
    metricsPort: 9252,
  },
  renovate: {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { cpu: '1', memory: '1Gi' },
  },
  ghost: {
    requests: { cpu: '200m', memory: '384Mi' },
    limits: { cpu: '1', memory: '768Mi' },
    port: 2368,
  },
  'ghost-db': {
    requests: { cpu: '250m', memory: '512Mi' },
    limits: { cpu: '1', memory: '1Gi' },
    port: 3306,
  },
  authelia: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
    port: 9091,
    metricsPort: 9959,
  },
  'authelia-redis': {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '250m', memory: '128Mi' },
    port: 6379,
  },
  traefik: {
    requests: { cpu: '200m', memory: '128Mi' },
    limits: { cpu: '1', memory: '512Mi' },
    port: 8000,
    metricsPort: 9100,
  },
  'cert-manager': {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
    metricsPort: 9402,
  },
  prometheus: {
    requests: { cpu: '500m', memory: '2Gi' },
    limits: { cpu: '2', memory: '3Gi' },
    port: 9090,
    metricsPort: 9090,
  },
  grafana: {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
    port: 3000,
    metricsPort: 3000,
  },
  alertmanager: {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '250m', memory: '128Mi' },
    port: 9093,
    metricsPort: 9093,
  },
  velero: {
    requests: { cpu: '200m', memory: '256Mi' },
    limits: { cpu: '1', memory: '1Gi' },
    metricsPort: 8085,
  },
  'restic-jobs': {
    requests: { cpu: '200m', memory: '256Mi' },
    limits: { cpu: '1', memory: '1Gi' },
    metricsPort: 9091,
  },
  'uyoop-portal': {
    requests: { cpu: '500m', memory: '1Gi' },
    limits: { cpu: '2', memory: '2Gi' },
    port: 7007,
    metricsPort: 7007,
  },
  'portal-db': {
    requests: { cpu: '250m', memory: '512Mi' },
    limits: { cpu: '1', memory: '1Gi' },
    port: 5432,
  },
  ollama: {
    requests: { cpu: '1500m', memory: '5Gi' },
    limits: { cpu: '3', memory: '7Gi' },
    port: 11434,
  },
  qdrant: {
    requests: { cpu: '200m', memory: '1Gi' },
    limits: { cpu: '1', memory: '2Gi' },
    port: 6333,
    metricsPort: 6333,
  },
  perplexica: {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
    port: 3000,
  },
  sonarqube: {
    requests: { cpu: '500m', memory: '2Gi' },
    limits: { cpu: '2', memory: '3Gi' },
    port: 9000,
  },
  'sonarqube-db': {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
    port: 5432,
  },
};

/** A web UI published through Traefik. */
export interface Exposure {
  service: string;
  hosts: string[];
  /**
   * Paths served without Authelia in front. Only public sites have any
   * (Ghost's readers); every other route carries the forwardAuth middleware.
   */
  publicPaths?: string[];
  /** With public paths: the paths that stay behind SSO (an admin area). */
  guardedPaths?: string[];
  /** The identity provider itself: it cannot sit behind its own forwardAuth. */
  identityProvider?: boolean;
}

export const DOMAIN = 'uyoop.fr';

export const exposures: Exposure[] = [
  { service: 'authelia', hosts: [`auth.${DOMAIN}`], identityProvider: true },
  { service: 'nextcloud', hosts: [`cloud.${DOMAIN}`] },
  { service: 'gitlab', hosts: [`gitlab.${DOMAIN}`] },
  // Readers see the site; the admin area (/ghost) stays behind SSO.
  {
    service: 'ghost',
    hosts: [DOMAIN, `www.${DOMAIN}`],
    publicPaths: ['/'],
    guardedPaths: ['/ghost'],
  },
  { service: 'uyoop-portal', hosts: [`portal.${DOMAIN}`] },
  { service: 'grafana', hosts: [`grafana.${DOMAIN}`] },
  { service: 'alertmanager', hosts: [`alerts.${DOMAIN}`] },
  { service: 'sonarqube', hosts: [`sonar.${DOMAIN}`] },
  { service: 'perplexica', hosts: [`search.${DOMAIN}`] },
];

/** Where ACME mail about expiring certificates goes. */
export const ACME_EMAIL = `admins@${DOMAIN}`;
/** Authelia's forwardAuth endpoint, as Traefik calls it. */
export const AUTHELIA_VERIFY_URL =
  'http://authelia.security.svc.cluster.local:9091/api/authz/forward-auth';
/** Label Traefik's pods carry in K3s's bundled chart. */
export const TRAEFIK_POD_LABELS = { 'app.kubernetes.io/name': 'traefik' };
/** Label CoreDNS's pods carry in K3s. */
export const DNS_POD_LABELS = { 'k8s-app': 'kube-dns' };
/** cert-manager's HTTP-01 solver pods listen here; Traefik must reach them. */
export const ACME_SOLVER_PORT = 8089;

/**
 * Everything the generators read besides the catalog, in one value: the
 * platform's own by default; a golden path (the scaffolder) passes a copy
 * with its new namespace's or service's entries, so that the same generators
 * render it.
 */
export interface Profiles {
  namespaces: Record<string, NamespaceProfile>;
  extraNamespaces: typeof extraNamespaces;
  sizing: typeof sizing;
  exposures: Exposure[];
  /** Workload builders beside services.ts's own, by catalog name (a golden path's service). */
  builders?: Record<string, (c: Context) => Model[]>;
}

export const defaultProfiles: Profiles = {
  namespaces: namespaceProfiles,
  extraNamespaces,
  sizing,
  exposures,
};
