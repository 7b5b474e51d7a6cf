/**
 * Everything the testbed engine knows about where it runs: pinned versions,
 * folders, loopback ports, the nodes' lab network. One object, built once,
 * passed to each part; tests build their own with other folders and a
 * recording runner.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  parseVersionsEnv,
  ProcessRunner,
  repoRoot as defaultRepoRoot,
  zxRunner,
} from '@internal/platform';

export interface Ports {
  kine: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  cephMon: number;
  s3: number;
  cephOsdMin: number;
  veleroMetrics: number;
}

export interface Logger {
  step(message: string): void;
  warn(message: string): void;
}

export interface TestbedContext {
  repoRoot: string;
  /** Runtime state: pids, logs, certificates, kubeconfig (gitignored). */
  state: string;
  /** Builds and images, outside the repo, keyed by version. */
  cache: string;
  versions: Record<string, string>;
  /** Loopback address of the host-side services. */
  addr: string;
  ports: Ports;
  /**
   * The nodes' lab network: a bridge on this machine; the host side of the
   * testbed (API server, S3) answers the nodes on `hostAddress`.
   */
  lab: { bridge: string; hostAddress: string; prefix: number; subnet: string };
  /** K3s's default pod and service ranges. */
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  /** Prefix of every machine-wide name the testbed creates (netns, links, cgroups). */
  namePrefix: string;
  region: string;
  /** How long a node may take to register and become Ready. */
  nodeJoinSeconds: number;
  /** Extra kubelet flags (debugging; the life-cycle test breaks a node with one). */
  kubeletExtraArgs: string[];
  run: ProcessRunner;
  log: Logger;
}

const envPort = (name: string, fallback: number) =>
  Number(process.env[name] ?? fallback);

export const consoleLogger: Logger = {
  step: m => process.stderr.write(`\u001b[1;34m[testbed]\u001b[0m ${m}\n`),
  warn: m => process.stderr.write(`\u001b[1;33m[testbed]\u001b[0m ${m}\n`),
};

export function createContext(
  overrides: Partial<TestbedContext> = {},
): TestbedContext {
  const repoRoot = overrides.repoRoot ?? defaultRepoRoot;
  const versions =
    overrides.versions ??
    parseVersionsEnv(
      readFileSync(join(repoRoot, 'infra', 'versions.env'), 'utf8'),
    );
  return {
    repoRoot,
    state: process.env.TESTBED_STATE ?? join(repoRoot, '.testbed'),
    cache: join(
      process.env.UYOOP_CACHE ?? join(homedir(), '.cache', 'uyoop'),
      'testbed',
    ),
    versions,
    addr: process.env.TESTBED_ADDR ?? '127.0.0.1',
    // Below the kernel's ephemeral range (32768-60999): no outgoing
    // connection of another process can hold one of them when a daemon binds.
    ports: {
      kine: envPort('TESTBED_KINE_PORT', 27379),
      apiserver: envPort('TESTBED_APISERVER_PORT', 27443),
      controllerManager: envPort('TESTBED_KCM_PORT', 27257),
      scheduler: envPort('TESTBED_SCHEDULER_PORT', 27259),
      cephMon: envPort('TESTBED_CEPH_MON_PORT', 27789),
      s3: envPort('TESTBED_S3_PORT', 27480),
      cephOsdMin: envPort('TESTBED_CEPH_OSD_PORT_MIN', 27800),
      veleroMetrics: envPort('TESTBED_VELERO_METRICS_PORT', 27085),
    },
    // 198.18.0.0/15 is reserved for network tests (RFC 2544): never routed.
    lab: {
      bridge: 'uytb-br0',
      hostAddress: '198.18.0.1',
      prefix: 24,
      subnet: '198.18.0.0/24',
    },
    clusterCidr: '10.42.0.0/16',
    serviceCidr: '10.43.0.0/16',
    clusterDns: '10.43.0.10',
    namePrefix: 'uytb',
    region: process.env.TESTBED_S3_REGION ?? 'us-east-1',
    nodeJoinSeconds: Number(process.env.TESTBED_NODE_JOIN_SECONDS ?? 180),
    kubeletExtraArgs: (process.env.TESTBED_KUBELET_EXTRA_ARGS ?? '')
      .split(/\s+/)
      .filter(Boolean),
    run: zxRunner,
    log: consoleLogger,
    ...overrides,
  };
}

/** The first address of a range: the `kubernetes` Service's ClusterIP. */
export function firstServiceIp(cidr: string): string {
  const [base] = cidr.split('/');
  const parts = base.split('.').map(Number);
  parts[3] += 1;
  return parts.join('.');
}

export const paths = (ctx: TestbedContext) => ({
  logs: join(ctx.state, 'logs'),
  run: join(ctx.state, 'run'),
  pki: join(ctx.state, 'pki'),
  kubeconfig: join(ctx.state, 'kubeconfig'),
  env: join(ctx.state, 'env'),
  bin: join(ctx.state, 'bin'),
  nodes: join(ctx.state, 'nodes'),
});
