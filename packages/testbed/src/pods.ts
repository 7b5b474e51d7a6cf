/**
 * Small workloads for tests and benchmarks on the real nodes: busybox pods
 * (the locally built image, nothing pulled) that serve HTTP, fetch a page, or
 * keep a file on a volume.
 */
import {
  CoreV1Api,
  V1Pod,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { imageRef } from './engine/images';
import { createContext } from './engine/context';
import { Testbed, tool, until } from '.';

export const busybox = () => imageRef(createContext(), 'busybox');

/** Tolerations for every taint of a catalog node. */
export const tolerating = (
  taints: { key: string; value?: string; effect: string }[],
): V1Toleration[] =>
  taints.map(t => ({
    key: t.key,
    operator: 'Equal',
    value: t.value,
    effect: t.effect,
  }));

/**
 * A busybox container serving a page over HTTP on port 8080: "<text>", or
 * what the shell command `page` prints.
 */
export const httpContainer = (text: string, page = `echo "${text}"`) => ({
  name: 'http',
  image: busybox(),
  imagePullPolicy: 'Never',
  command: [
    'sh',
    '-c',
    `mkdir -p /www && ${page} > /www/index.html && exec httpd -f -p 8080 -h /www`,
  ],
  ports: [{ containerPort: 8080 }],
  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
});

export interface PodOptions {
  namespace: string;
  name: string;
  node: string;
  labels?: Record<string, string>;
  tolerations?: V1Toleration[];
  command?: string[];
  volumes?: V1Volume[];
  volumeMounts?: V1VolumeMount[];
}

/** A busybox pod that sleeps (or runs `command`) on the named node. */
export function podBody(o: PodOptions): V1Pod {
  return {
    metadata: { name: o.name, labels: o.labels },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': o.node },
      tolerations: o.tolerations,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: busybox(),
          imagePullPolicy: 'Never',
          command: o.command ?? ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
          volumeMounts: o.volumeMounts,
        },
      ],
      volumes: o.volumes,
    },
  };
}

export async function runningPod(core: CoreV1Api, o: PodOptions): Promise<V1Pod> {
  await core.createNamespacedPod({ namespace: o.namespace, body: podBody(o) });
  return waitRunning(core, o.namespace, o.name);
}

export async function waitRunning(
  core: CoreV1Api,
  namespace: string,
  name: string,
  timeoutMs = 120_000,
): Promise<V1Pod> {
  return until(
    `pod ${namespace}/${name} to be Running and ready`,
    async () => {
      const p = await core.readNamespacedPod({ name, namespace });
      const ready = p.status?.conditions?.find(c => c.type === 'Ready');
      return p.status?.phase === 'Running' && ready?.status === 'True' ? p : undefined;
    },
    timeoutMs,
  );
}

export async function ensureNamespace(
  core: CoreV1Api,
  name: string,
  labels: Record<string, string> = {},
) {
  await core
    .createNamespace({ body: { metadata: { name, labels } } })
    .catch(() => undefined);
}

/** Runs a shell command in a pod's container; resolves with its output, or rejects with kubectl's error. */
export function execIn(tb: Testbed, namespace: string, pod: string, script: string) {
  return tool(tb, 'kubectl', ['exec', '-n', namespace, pod, '--', 'sh', '-c', script]);
}

/**
 * An HTTP GET from inside a pod with busybox nc: the response's body, or
 * an error when the connection is refused, dropped or times out.
 */
export async function httpGetFrom(
  tb: Testbed,
  namespace: string,
  pod: string,
  host: string,
  port = 8080,
  timeoutSeconds = 3,
): Promise<string> {
  const out = await execIn(
    tb,
    namespace,
    pod,
    `printf 'GET / HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n' | nc -w ${timeoutSeconds} ${host} ${port}`,
  );
  if (!out.startsWith('HTTP/1.')) throw new Error(`no HTTP answer from ${host}:${port}: "${out}"`);
  return out.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim();
}

export async function deleteNamespaceAndWait(core: CoreV1Api, name: string, timeoutMs = 180_000) {
  await core.deleteNamespace({ name }).catch(() => undefined);
  await until(
    `namespace ${name} to be gone`,
    async () => {
      try {
        await core.readNamespace({ name });
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code === 404 ? true : undefined;
      }
    },
    timeoutMs,
  );
}
