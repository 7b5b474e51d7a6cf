/**
 * The catalog's K3s services as small running stand-ins on their nodes
 * (`yarn testbed workloads`): each Deployment from the platform's
 * demoWorkloads, served by the testbed's busybox httpd image, so that the
 * portal's Kubernetes tab shows live pods.
 */
import { demoWorkloads, KubeObject, loadPlatform } from '@internal/platform';
import { TestbedContext } from './context';
import { apply } from './controlPlane';
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

export async function applyWorkloads(ctx: TestbedContext) {
  const platform = await loadPlatform({ root: ctx.repoRoot });
  await apply(ctx, runnableWorkloads(ctx, demoWorkloads(platform)));
}
