import { NotFoundError } from '@backstage/errors';
import { ToolRunner } from './tools';

/** A Kubernetes object as kubectl prints it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  spec?: any;
  status?: any;
  [k: string]: unknown;
}

interface List {
  items: KubeObject[];
}

/**
 * Kinds a restore recreates with new names or that the cluster derives:
 * compared by their owners, not themselves.
 */
const DERIVED = new Set([
  'events',
  'events.events.k8s.io',
  'pods',
  'replicasets.apps',
  'endpoints',
  'endpointslices.discovery.k8s.io',
  'controllerrevisions.apps',
  'leases.coordination.k8s.io',
  'localsubjectaccessreviews.authorization.k8s.io',
  'podvolumebackups.velero.io',
  'podvolumerestores.velero.io',
  'pods.metrics.k8s.io',
]);

/** The cluster as the engine needs it, through kubectl. */
export class Cluster {
  constructor(private readonly tools: ToolRunner) {}

  /** Active, Terminating, or undefined when there is no such namespace. */
  async namespacePhase(name: string): Promise<string | undefined> {
    const r = await this.tools.run('kubectl', [
      'get',
      'namespace',
      name,
      '-o',
      'json',
      '--ignore-not-found',
    ]);
    if (!r.stdout.trim()) return undefined;
    return (JSON.parse(r.stdout) as KubeObject).status?.phase ?? 'Active';
  }

  async deleteNamespace(name: string): Promise<void> {
    if (!(await this.namespacePhase(name)))
      throw new NotFoundError(`namespace ${name} does not exist`);
    await this.tools.run('kubectl', [
      'delete',
      'namespace',
      name,
      '--wait=false',
    ]);
  }

  /**
   * The namespaced kinds the API serves now, by a fresh discovery (kubectl
   * invalidates its cache), so a CRD created a minute ago is listed too.
   */
  async namespacedKinds(): Promise<string[]> {
    const r = await this.tools.run('kubectl', [
      'api-resources',
      '--namespaced=true',
      '--verbs=list',
      '-o',
      'name',
      '--cached=false',
    ]);
    return r.stdout
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
      .filter(k => !DERIVED.has(k));
  }

  /** Every object of the namespace, of every namespaced kind but the derived ones. */
  async namespaceObjects(namespace: string): Promise<KubeObject[]> {
    const kinds = await this.namespacedKinds();
    if (!kinds.length) return [];
    const list = await this.tools.json<List>('kubectl', [
      'get',
      kinds.join(','),
      '-n',
      namespace,
      '-o',
      'json',
      '--ignore-not-found',
    ]);
    return list.items ?? [];
  }

  async list(kind: string, namespace?: string, selector?: string) {
    const args = ['get', kind, '-o', 'json'];
    args.push(...(namespace ? ['-n', namespace] : ['--all-namespaces']));
    if (selector) args.push('-l', selector);
    return (await this.tools.json<List>('kubectl', args)).items ?? [];
  }

  /** Pods not Ready in the namespace (names), and how many there are. */
  async podReadiness(
    namespace: string,
  ): Promise<{ total: number; notReady: string[] }> {
    const pods = (await this.list('pods', namespace)).filter(
      p =>
        !p.metadata?.deletionTimestamp &&
        !['Succeeded', 'Failed'].includes(p.status?.phase),
    );
    const notReady = pods
      .filter(
        p =>
          !(p.status?.conditions ?? []).some(
            (c: { type: string; status: string }) =>
              c.type === 'Ready' && c.status === 'True',
          ),
      )
      .map(p => p.metadata!.name!);
    return { total: pods.length, notReady };
  }

  /** Runs a command in the first Running pod matching `selector`; returns its output. */
  async execIn(
    namespace: string,
    selector: string,
    command: string[],
    container?: string,
  ): Promise<string> {
    const pod = (await this.list('pods', namespace, selector)).find(
      p => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
    );
    if (!pod)
      throw new Error(`no Running pod matches ${selector} in ${namespace}`);
    const r = await this.tools.run('kubectl', [
      'exec',
      '-n',
      namespace,
      pod.metadata!.name!,
      ...(container ? ['-c', container] : []),
      '--',
      ...command,
    ]);
    return r.stdout;
  }
}
