/**
 * The testbed: its engine (`yarn testbed`, scripts/testbed.ts), and the
 * testbed seen from a test: its endpoints and keys (.testbed/env, written by
 * `yarn testbed up`), its tools, and clients for its Kubernetes API and S3.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { KubeConfig } from '@kubernetes/client-node';
import {
  CommandError,
  repoRoot,
  startService,
  zxRunner,
} from '@internal/platform';

export { testbedCli, testbedUsage } from './engine/cli';
export { createContext } from './engine/context';
export type { TestbedContext } from './engine/context';
export { build, down, status, up } from './engine/testbed';
export { labNodes, inNodeExec } from './engine/nodes';
export { imageRef } from './engine/images';
export { TRAEFIK_ENTRYPOINTS } from './engine/addons';
export {
  CERT_MANAGER_NAMESPACE,
  certManagerObjects,
  PEBBLE_DIRECTORY,
  pebbleFiles,
  pebbleObjects,
} from './engine/acme';
export type { PebbleFiles } from './engine/acme';

export const testbedScript = join(repoRoot, 'scripts', 'testbed.ts');

export interface Testbed {
  kubeconfig: string;
  /** Folder of the testbed's kubectl, velero, helm and restic. */
  bin: string;
  veleroNamespace: string;
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    bucketVelero: string;
    bucketLocked: string;
  };
  /** Every variable of .testbed/env, for child processes. */
  env: Record<string, string>;
}

/** Reads .testbed/env; fails with what to do when the testbed is not up. */
export function testbed(state = join(repoRoot, '.testbed')): Testbed {
  const file = join(state, 'env');
  if (!existsSync(file))
    throw new Error('testbed is not up: run yarn testbed up');
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return {
    kubeconfig: env.KUBECONFIG,
    bin: env.TESTBED_BIN,
    veleroNamespace: env.VELERO_NAMESPACE,
    s3: {
      endpoint: env.TESTBED_S3_ENDPOINT,
      region: env.TESTBED_S3_REGION,
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      bucketVelero: env.TESTBED_S3_BUCKET_VELERO,
      bucketLocked: env.TESTBED_S3_BUCKET_LOCKED,
    },
    env,
  };
}

/**
 * The environment the DRP engine reads (`yarn drp`, the portal's backend),
 * pointed at the testbed's cluster, Velero and S3.
 */
export const drpTestbedEnv = (tb: Testbed) => ({
  KUBECONFIG: tb.kubeconfig,
  DRP_BIN: tb.bin,
  VELERO_NAMESPACE: tb.veleroNamespace,
  DRP_S3_ENDPOINT: tb.s3.endpoint,
  DRP_S3_REGION: tb.s3.region,
  AWS_ACCESS_KEY_ID: tb.s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: tb.s3.secretAccessKey,
});

export function kubeConfig(tb: Testbed): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  return kc;
}

export function s3Client(tb: Testbed): S3Client {
  return new S3Client({
    endpoint: tb.s3.endpoint,
    region: tb.s3.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: tb.s3.accessKeyId,
      secretAccessKey: tb.s3.secretAccessKey,
    },
  });
}

/** Runs one of the testbed's tools with its environment; rejects with the tool's stderr. */
export async function tool(
  tb: Testbed,
  name: 'kubectl' | 'velero' | 'helm' | 'restic',
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await zxRunner.run(join(tb.bin, name), args, {
      env: { ...tb.env, ...env },
      secrets: [tb.s3.secretAccessKey],
    });
    return stdout;
  } catch (e) {
    const err = e as CommandError;
    throw new Error(
      `${name} ${args.join(' ')} failed: ${err.result?.stderr || err.message}`,
    );
  }
}

/** Polls `probe` until it returns a value, or fails naming what it waited for. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

/** A short suffix that keeps the names of one run apart from the next. */
export const runId = () => Date.now().toString(36);

/**
 * `kubectl port-forward` to a Service or pod on a free local port of
 * 127.0.0.1: the pod network is not routed to this machine.
 */
export async function portForward(
  tb: Testbed,
  namespace: string,
  target: string,
  port: number,
): Promise<{ port: number; stop(): Promise<void> }> {
  const service = startService({
    cmd: join(tb.bin, 'kubectl'),
    args: [
      'port-forward',
      '-n',
      namespace,
      '--address',
      '127.0.0.1',
      target,
      `:${port}`,
    ],
    env: tb.env,
  });
  try {
    const local = await until(
      `kubectl port-forward to ${namespace}/${target}:${port}`,
      async () => {
        if (service.exitCode() !== undefined) throw new Error(service.output());
        const m = service.output().match(/Forwarding from 127\.0\.0\.1:(\d+)/);
        return m ? Number(m[1]) : undefined;
      },
      30_000,
    );
    return { port: local, stop: () => service.stop(2_000) };
  } catch (e) {
    await service.stop(2_000);
    throw e;
  }
}
