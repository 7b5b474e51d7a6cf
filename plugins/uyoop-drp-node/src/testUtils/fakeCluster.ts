/**
 * A small in-memory cluster answering the kubectl and velero command lines
 * the engine sends, for unit tests of plans, drill steps and crash recovery.
 * The real tools against real nodes are exercised by engine.testbed.test.ts.
 */
import type { ProcessRunner, RunResult } from '@internal/platform';
import { CommandError } from '@internal/platform';
import type { KubeObject } from '../kube';

export interface FakeNamespace {
  phase: 'Active' | 'Terminating';
  objects: KubeObject[];
  pods: KubeObject[];
  /** Output of a command run in a pod (`sh -c CMD`), by CMD. */
  data: Record<string, string>;
  /** Namespace reads left before a terminating namespace is gone. */
  terminatingReads?: number;
}

export interface FakeBackup {
  name: string;
  phase: string;
  namespaces: string[];
  startedAt: string;
  /** The namespace as it was backed up. */
  content?: Record<string, Omit<FakeNamespace, 'phase'>>;
}

export class FakeCluster {
  namespaces = new Map<string, FakeNamespace>();
  backups = new Map<string, FakeBackup>();
  restores = new Map<
    string,
    {
      backup: string;
      namespaces: string[];
      mapping: Record<string, string>;
      phase: string;
    }
  >();
  schedules: KubeObject[] = [];
  pvcs: KubeObject[] = [];
  pvs: KubeObject[] = [];
  extraPods: KubeObject[] = [];
  calls: string[] = [];
  /** Velero's restore controller makes no progress: restores stay InProgress. */
  restoresStall = false;
  /** A command line matching this never answers: the process running it dies there. */
  hangOn?: RegExp;
  /** Replaces a command's output, e.g. to make the cluster unreachable. */
  override?: (line: string) => RunResult | undefined;

  static pod(name: string, ready = true): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name.split('-')[0] } },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    };
  }

  /** A namespace with a ConfigMap, a Secret, a Deployment's pod and one data probe answer. */
  addNamespace(name: string, data: Record<string, string> = {}) {
    this.namespaces.set(name, {
      phase: 'Active',
      objects: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'settings',
            namespace: name,
            uid: 'u1',
            resourceVersion: '1',
          },
          data: { url: 'https://uyoop.fr' },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'db', namespace: name, uid: 'u2' },
          data: { password: 'cHc=' },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'app', namespace: name, generation: 3 },
          spec: { replicas: 1 },
          status: { readyReplicas: 1 },
        },
      ],
      pods: [FakeCluster.pod('app-1')],
      data,
    });
  }

  /** Backs a namespace up as it is now. */
  backUp(
    name: string,
    namespace: string,
    startedAt: string,
    phase = 'Completed',
  ) {
    const ns = this.namespaces.get(namespace)!;
    this.backups.set(name, {
      name,
      phase,
      namespaces: [namespace],
      startedAt,
      content: {
        [namespace]: structuredClone({
          objects: ns.objects,
          pods: ns.pods,
          data: ns.data,
        }),
      },
    });
  }

  private backupCr(b: FakeBackup) {
    return {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: b.name, namespace: 'velero' },
      spec: { includedNamespaces: b.namespaces },
      status: {
        phase: b.phase,
        startTimestamp: b.startedAt,
        errors: 0,
        warnings: 0,
      },
    };
  }

  private restoreCr(name: string) {
    const r = this.restores.get(name)!;
    return {
      metadata: { name },
      status: {
        phase: r.phase,
        progress: { itemsRestored: 4, totalItems: 4 },
        errors: 0,
        warnings: 0,
      },
    };
  }

  /** One tick of the restore controller: a new restore completes and recreates its namespaces. */
  private progress(name: string) {
    const r = this.restores.get(name)!;
    if (r.phase !== 'InProgress' || this.restoresStall) return;
    const b = this.backups.get(r.backup)!;
    for (const ns of r.namespaces) {
      const target = r.mapping[ns] ?? ns;
      if (this.namespaces.has(target)) continue; // Velero keeps what exists
      const c = structuredClone(b.content![ns]);
      this.namespaces.set(target, {
        phase: 'Active',
        ...c,
        objects: c.objects.map(o => ({
          ...o,
          metadata: {
            ...o.metadata,
            namespace: target,
            uid: `restored-${o.metadata?.uid ?? ''}`,
            labels: { ...o.metadata?.labels, 'velero.io/restore-name': name },
          },
        })),
      });
    }
    r.phase = 'Completed';
  }

  readonly runner: ProcessRunner = {
    run: async (cmd, args) => {
      const tool = cmd.split('/').pop()!;
      const line = [tool, ...args].join(' ');
      this.calls.push(line);
      if (this.hangOn?.test(line))
        return new Promise<RunResult>(() => undefined);
      const over = this.override?.(line);
      const result = over ?? this.answer(tool, args);
      if (result.code !== 0) throw new CommandError(line, result);
      return result;
    },
  };

  private answer(tool: string, args: string[]): RunResult {
    const ok = (stdout: unknown = '') => ({
      code: 0,
      stdout: typeof stdout === 'string' ? stdout : JSON.stringify(stdout),
      stderr: '',
    });
    const list = (items: unknown[]) => ok({ items });
    const flag = (f: string) => {
      const i = args.indexOf(f);
      return i >= 0 ? args[i + 1] : undefined;
    };
    if (args[0] === 'version') return ok('v1');
    if (tool === 'velero' && args[0] === 'restore' && args[1] === 'create') {
      const mapping = Object.fromEntries(
        (flag('--namespace-mappings') ?? '')
          .split(',')
          .filter(Boolean)
          .map(m => m.split(':')),
      );
      const backup = this.backups.get(flag('--from-backup')!);
      if (!backup) return { code: 1, stdout: '', stderr: 'backup not found' };
      this.restores.set(args[2], {
        backup: backup.name,
        namespaces: flag('--include-namespaces')!.split(','),
        mapping,
        phase: 'InProgress',
      });
      return ok(`Restore request "${args[2]}" submitted successfully.`);
    }
    if (tool !== 'kubectl')
      return { code: 1, stdout: '', stderr: `unexpected ${tool}` };
    if (args[0] === 'api-resources')
      return ok('configmaps\nsecrets\ndeployments.apps\npods\nevents\n');
    if (args[0] === 'delete' && args[1] === 'namespace') {
      const ns = this.namespaces.get(args[2]);
      if (!ns)
        return {
          code: 1,
          stdout: '',
          stderr: `namespaces "${args[2]}" not found`,
        };
      ns.phase = 'Terminating';
      ns.terminatingReads = 2;
      return ok();
    }
    if (args[0] === 'exec') {
      const ns = this.namespaces.get(flag('-n')!);
      const command = args[args.indexOf('--') + 3];
      if (!ns || !(command in ns.data))
        return { code: 1, stdout: '', stderr: `command failed: ${command}` };
      return ok(ns.data[command]);
    }
    if (args[0] !== 'get')
      return { code: 1, stdout: '', stderr: `unexpected kubectl ${args[0]}` };
    const kind = args[1];
    const name = args[2]?.startsWith('-') ? undefined : args[2];
    const nsName = flag('-n');
    if (kind === 'namespace') {
      const ns = this.namespaces.get(name!);
      if (ns?.phase === 'Terminating' && ns.terminatingReads !== undefined) {
        if (ns.terminatingReads-- <= 0) {
          this.namespaces.delete(name!);
          return ok('');
        }
      }
      return ns
        ? ok({ metadata: { name }, status: { phase: ns.phase } })
        : ok('');
    }
    if (kind === 'backups.velero.io') {
      if (name) {
        const b = this.backups.get(name);
        return ok(b ? this.backupCr(b) : '');
      }
      return list([...this.backups.values()].map(b => this.backupCr(b)));
    }
    if (kind === 'restores.velero.io') {
      if (!this.restores.has(name!)) return ok('');
      if (flag('-o') === 'name') return ok(`restore.velero.io/${name}`);
      const cr = this.restoreCr(name!);
      this.progress(name!);
      return ok(cr);
    }
    if (kind === 'schedules.velero.io') return list(this.schedules);
    if (kind === 'backupstoragelocations.velero.io')
      return list([
        {
          metadata: { name: 'default' },
          spec: { objectStorage: { bucket: 'velero-backups' } },
          status: { phase: 'Available' },
        },
      ]);
    if (kind === 'podvolumerestores.velero.io') return list([]);
    if (kind === 'persistentvolumeclaims') return list(this.pvcs);
    if (kind === 'persistentvolumes') return list(this.pvs);
    if (kind === 'pods') {
      if (!nsName) return list(this.extraPods);
      return list(this.namespaces.get(nsName)?.pods ?? []);
    }
    if (nsName) return list(this.namespaces.get(nsName)?.objects ?? []);
    return { code: 1, stdout: '', stderr: `unexpected kubectl get ${kind}` };
  }
}
