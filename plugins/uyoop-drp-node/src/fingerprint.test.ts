import { comparableObject, objectsFingerprint } from './fingerprint';
import type { KubeObject } from './kube';

const cm = (
  data: Record<string, string>,
  meta: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'prod-web', ...meta },
  data,
});

describe('object fingerprints', () => {
  it('are equal for an object restored by Velero, which gets a new uid, version, timestamps and restore labels', () => {
    const live = cm(
      { url: 'https://uyoop.fr' },
      {
        uid: 'a',
        resourceVersion: '10',
        creationTimestamp: '2026-06-01T00:00:00Z',
      },
    );
    const restored = cm(
      { url: 'https://uyoop.fr' },
      {
        uid: 'b',
        resourceVersion: '99',
        creationTimestamp: '2026-06-20T09:01:00Z',
        labels: {
          'velero.io/backup-name': 'nightly',
          'velero.io/restore-name': 'r1',
        },
        managedFields: [{ manager: 'velero-server' }],
      },
    );
    expect(objectsFingerprint([restored])).toEqual(objectsFingerprint([live]));
  });

  it('differ when the content differs, and are compared across namespaces (a scratch restore)', () => {
    const a = objectsFingerprint([cm({ url: 'https://uyoop.fr' })]);
    expect(objectsFingerprint([cm({ url: 'https://uyoop.com' })])).not.toEqual(
      a,
    );
    expect(
      objectsFingerprint([
        cm({ url: 'https://uyoop.fr' }, { namespace: 'prod-web-restore-x' }),
      ]),
    ).toEqual(a);
  });

  it("leave out a Service's cluster address and a claim's volume, which a restore assigns anew", () => {
    const svc = (ip: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ghost' },
      spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 2368 }] },
    });
    expect(comparableObject(svc('10.43.0.10'))).toEqual(
      comparableObject(svc('10.43.0.77')),
    );
    expect(objectsFingerprint([svc('10.43.0.10')])).toEqual(
      objectsFingerprint([svc('10.43.0.77')]),
    );
  });
});
