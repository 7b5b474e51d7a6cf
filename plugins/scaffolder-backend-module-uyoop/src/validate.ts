import { relative } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { collectManifests } from '@internal/k8s';

const FIELD_MANAGER = 'uyoop-scaffolder';

/** The namespace a namespaced object is dry-run in when its own does not exist yet. */
const STAND_IN_NAMESPACE = 'default';

/**
 * The object API with one more verb: a server-side apply in dry-run mode with
 * strict field validation. The library's own `patch` serializes the body
 * through its models, which drops the fields they do not know: an unknown
 * field would never reach the API server, and strict validation would never
 * see it. Here the object is sent exactly as written.
 */
class DryRunObjectApi extends KubernetesObjectApi {
  /** Objects without a namespace go to the context's, as with kubectl. */
  static forConfig(kc: KubeConfig): DryRunObjectApi {
    const api = kc.makeApiClient(DryRunObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  /** Whether objects of this kind live in a namespace; undefined for a kind the cluster does not serve. */
  async namespaced(apiVersion: string, kind: string) {
    return (await this.resource(apiVersion, kind))?.namespaced;
  }

  async dryRunApply(object: KubernetesObject): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(
      path,
      HttpMethod.PATCH,
    );
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('dryRun', 'All');
    request.setQueryParam('fieldManager', FIELD_MANAGER);
    request.setQueryParam('fieldValidation', 'Strict');
    // Conflicts with other field managers are not a flaw of the manifests.
    request.setQueryParam('force', 'true');
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}

/** What the API server said, from its Status when it sent one. */
function reasonOf(e: unknown): string {
  if (e instanceof ApiException) {
    // The kind's discovery failed (the library prefixes its message so).
    const kind = e.message.match(
      /^Failed to fetch resource metadata for (\S+):/,
    );
    if (kind) return `${kind[1]} is not served by the cluster (HTTP ${e.code})`;
    const message = statusOf(e)?.message;
    if (message) return message;
    const text = typeof e.body === 'string' ? e.body.trim() : '';
    return `HTTP ${e.code}: ${text || e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The API server's Status of a failed request, when it sent one. */
function statusOf(e: ApiException<unknown>): { message?: string } | undefined {
  if (typeof e.body !== 'string') return undefined;
  try {
    const status = JSON.parse(e.body);
    return status?.kind === 'Status' ? status : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A refusal of the object itself, rather than a cluster that cannot be
 * reached or used: a 4xx other than authentication, authorization and
 * throttling; a 500 with the API server's Status, which is how it refuses an
 * apply whose fields its schema does not declare; a kind it does not serve.
 */
function isObjectRefused(e: unknown): boolean {
  if (e instanceof ApiException) {
    if ([401, 403, 429].includes(e.code)) return false;
    if (e.code >= 400 && e.code < 500) return true;
    return e.code === 500 && statusOf(e) !== undefined;
  }
  return e instanceof Error && e.message.startsWith('Unrecognized API version');
}

/**
 * `uyoop:manifests:validate`: every object of the workspace's manifests goes
 * through the configured cluster's API server as a server-side dry run with
 * strict field validation (schemas, unknown fields, admission), and nothing
 * is changed. Every refusal is collected and reported at once. Without a
 * cluster configured the step is skipped, not failed. A server dry run
 * changes nothing, so it runs in the scaffolder's dry-runs too.
 */
export function validateManifestsAction(options: { kubeconfig?: string }) {
  return createTemplateAction({
    id: 'uyoop:manifests:validate',
    description:
      "Validates the workspace's Kubernetes manifests against the cluster with a server-side dry run (strict field validation)",
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string()
            .optional()
            .describe(
              'A YAML file, or a folder of *.yaml, in the workspace (manifests)',
            ),
      },
      output: {
        objects: z => z.number().describe('How many objects were validated'),
        validated: z =>
          z
            .boolean()
            .describe('Whether a cluster validated them (false when skipped)'),
      },
    },
    async handler(ctx) {
      const path = ctx.input.path ?? 'manifests';
      const read = await collectManifests(
        resolveSafeChildPath(ctx.workspacePath, path),
        f => relative(ctx.workspacePath, f),
      );
      const problems = read.problems;
      const objects = read.objects.map(o => ({
        object: o as KubernetesObject,
      }));
      if (problems.length > 0) throw new InputError(problems.join('\n'));

      if (!options.kubeconfig) {
        ctx.logger.info(
          `${path}: validation against a cluster skipped (no cluster configured), ${objects.length} objects not validated`,
        );
        ctx.output('objects', 0);
        ctx.output('validated', false);
        return;
      }

      const kc = new KubeConfig();
      kc.loadFromFile(options.kubeconfig);
      const api = DryRunObjectApi.forConfig(kc);

      const created = new Set(
        objects
          .filter(
            o => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1',
          )
          .map(o => o.object.metadata?.name)
          .filter((n): n is string => Boolean(n)),
      );
      const existing = new Map<string, boolean>();
      const exists = async (namespace: string) => {
        if (!existing.has(namespace)) {
          try {
            await api.read({
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: namespace },
            });
            existing.set(namespace, true);
          } catch (e) {
            if (!(e instanceof ApiException && e.code === 404)) throw e;
            existing.set(namespace, false);
          }
        }
        return existing.get(namespace)!;
      };

      for (const { object } of objects) {
        const id = `${object.kind}/${object.metadata?.name ?? '(no name)'}`;
        try {
          let body = object;
          const namespace = object.metadata?.namespace;
          if (
            namespace &&
            created.has(namespace) &&
            (await api.namespaced(object.apiVersion!, object.kind!)) &&
            !(await exists(namespace))
          ) {
            // Its namespace is created by these manifests but does not exist on
            // the cluster yet, and a dry run of the Namespace does not create
            // it: the object is dry-run in a namespace that exists instead,
            // which validates it all the same.
            body = {
              ...object,
              metadata: { ...object.metadata, namespace: STAND_IN_NAMESPACE },
            };
          }
          await api.dryRunApply(body);
        } catch (e) {
          if (!isObjectRefused(e)) throw e;
          problems.push(`${id}: ${reasonOf(e)}`);
        }
      }
      if (problems.length > 0)
        throw new InputError(
          `${path}: the cluster refuses ${problems.length} of ${
            objects.length
          } objects:\n${problems.join('\n')}`,
        );
      ctx.logger.info(
        `${path}: the cluster accepts all ${objects.length} objects (server-side dry run, strict field validation)`,
      );
      ctx.output('objects', objects.length);
      ctx.output('validated', true);
    },
  });
}
