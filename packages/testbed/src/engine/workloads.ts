/**
 * The catalog's K3s services as small running stand-ins on their nodes
 * (`yarn testbed workloads`): each Deployment from the platform's
 * demoWorkloads, served by the testbed's busybox httpd image, so that the
 * portal's Kubernetes tab shows live pods; each PostgreSQL database a real
 * PostgreSQL server on its own volume.
 */
import { randomBytes } from 'node:crypto';
import {
  demoWorkloads,
  KubeObject,
  loadPlatform,
  POSTGRESQL_STAND_IN,
} from '@internal/platform';
import { TestbedContext } from './context';
import { TESTBED_ADDON_LABEL } from './addons';
import { apply, kubectl } from './controlPlane';
import { imageRef } from './images';

type Container = { name: string; image: string; [k: string]: unknown };
type Deployment = KubeObject & {
  spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } };
};

/** The StatefulSets' stand-in image swapped for the testbed's PostgreSQL build. */
function withTestbedPostgres(ctx: TestbedContext, set: Deployment): KubeObject {
  const swap = (c: Container) =>
    c.image === POSTGRESQL_STAND_IN
      ? { ...c, image: imageRef(ctx, 'postgres'), imagePullPolicy: 'Never' }
      : c;
  const pod = set.spec.template.spec;
  return {
    ...set,
    spec: {
      ...set.spec,
      template: {
        ...set.spec.template,
        spec: {
          ...pod,
          initContainers: pod.initContainers?.map(swap),
          containers: pod.containers.map(swap),
        },
      },
    },
  };
}

export function runnableWorkloads(ctx: TestbedContext, objects: KubeObject[]): KubeObject[] {
  return objects.map(o => {
    if (o.kind === 'StatefulSet') return withTestbedPostgres(ctx, o as Deployment);
    if (o.kind !== 'Deployment') return o;
    const d = o as Deployment;
    const containers = d.spec.template.spec.containers.map(c => ({
      ...c,
      image: imageRef(ctx, 'busybox'),
      imagePullPolicy: 'Never',
      command: ['sh', '-c', `mkdir -p /www && echo ${c.name} > /www/index.html && exec httpd -f -p 8080 -h /www`],
    }));
    return { ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers } } } };
  });
}

/**
 * Applies the stand-ins, leaving alone a Deployment that exists under the same
 * name and was not made here (the testbed's own `velero` placeholder, and the
 * real Traefik it runs as K3s does).
 */
export async function applyWorkloads(ctx: TestbedContext) {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  const existing = JSON.parse(
    await kubectl(ctx, ['get', 'deployments', '-A', '-o', 'json']),
  ) as { items: { metadata: { name: string; namespace: string; labels?: Record<string, string> } }[] };
  const foreign = new Set(
    existing.items
      .filter(
        d =>
          d.metadata.labels?.['app.kubernetes.io/name'] !== d.metadata.name ||
          d.metadata.labels?.[TESTBED_ADDON_LABEL] === 'true',
      )
      .map(d => `${d.metadata.namespace}/${d.metadata.name}`),
  );
  const objects = runnableWorkloads(ctx, demoWorkloads(platform)).filter(
    o =>
      o.kind !== 'Deployment' ||
      !foreign.has(`${(o.metadata as { namespace: string }).namespace}/${(o.metadata as { name: string }).name}`),
  );
  const namespaces = objects.filter(o => o.kind === 'Namespace');
  await apply(ctx, [
    ...namespaces,
    ...(await missingCredentials(ctx, objects)),
    ...objects.filter(o => o.kind !== 'Namespace'),
  ]);
}

/**
 * A Secret with a random password for each database whose `<db>-credentials`
 * does not exist yet; an existing one is kept, so the data stays readable.
 */
async function missingCredentials(ctx: TestbedContext, objects: KubeObject[]): Promise<KubeObject[]> {
  const existing = JSON.parse(await kubectl(ctx, ['get', 'secrets', '-A', '-o', 'json'])) as {
    items: { metadata: { name: string; namespace: string } }[];
  };
  const have = new Set(existing.items.map(s => `${s.metadata.namespace}/${s.metadata.name}`));
  return objects
    .filter(o => o.kind === 'StatefulSet')
    .map(o => o.metadata as { name: string; namespace: string })
    .filter(m => !have.has(`${m.namespace}/${m.name}-credentials`))
    .map(m => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${m.name}-credentials`, namespace: m.namespace },
      type: 'Opaque',
      stringData: { password: randomBytes(18).toString('base64url') },
    }));
}
