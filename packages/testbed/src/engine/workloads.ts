/**
 * The catalog's K3s services as small running stand-ins on their nodes
 * (`yarn testbed workloads`): each Deployment from the platform's
 * demoWorkloads, served by the testbed's busybox httpd image, so that the
 * portal's Kubernetes tab shows live pods.
 */
import { demoWorkloads, KubeObject, loadPlatform } from '@internal/platform';
import { TestbedContext } from './context';
import { apply, kubectl } from './controlPlane';
import { imageRef } from './images';

type Container = { name: string; image: string; [k: string]: unknown };
type Deployment = KubeObject & {
  spec: { template: { spec: { containers: Container[] } } };
};

export function runnableWorkloads(ctx: TestbedContext, objects: KubeObject[]): KubeObject[] {
  return objects.map(o => {
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
 * name and was not made here (the testbed's own `velero` placeholder).
 */
export async function applyWorkloads(ctx: TestbedContext) {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  const existing = JSON.parse(
    await kubectl(ctx, ['get', 'deployments', '-A', '-o', 'json']),
  ) as { items: { metadata: { name: string; namespace: string; labels?: Record<string, string> } }[] };
  const foreign = new Set(
    existing.items
      .filter(d => d.metadata.labels?.['app.kubernetes.io/name'] !== d.metadata.name)
      .map(d => `${d.metadata.namespace}/${d.metadata.name}`),
  );
  const objects = runnableWorkloads(ctx, demoWorkloads(platform)).filter(
    o =>
      o.kind !== 'Deployment' ||
      !foreign.has(`${(o.metadata as { namespace: string }).namespace}/${(o.metadata as { name: string }).name}`),
  );
  await apply(ctx, objects);
}
