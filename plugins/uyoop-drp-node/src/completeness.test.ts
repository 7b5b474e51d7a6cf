import { verifyBackupContents } from './completeness';
import type { KubeObject } from './kube';

const obj = (apiVersion: string, kind: string, name: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'prod-web' },
});

describe('backup completeness', () => {
  const live = [
    obj('v1', 'ConfigMap', 'settings'),
    obj('apps/v1', 'Deployment', 'ghost'),
    obj('drp.uyoop.io/v1', 'Site', 'www'),
  ];

  it('names a custom resource a Completed backup left out, and its kind, and marks the backup incomplete', () => {
    const v = verifyBackupContents('nightly', 'prod-web', live, {
      'v1/ConfigMap': ['prod-web/settings'],
      'apps/v1/Deployment': ['prod-web/ghost'],
    });
    expect(v).toEqual({
      backup: 'nightly',
      namespace: 'prod-web',
      complete: false,
      missingKinds: ['drp.uyoop.io/v1/Site'],
      missingObjects: ['drp.uyoop.io/v1/Site prod-web/www'],
      objectsExpected: 3,
    });
  });

  it('names one object missing from a kind the backup holds', () => {
    const v = verifyBackupContents(
      'nightly',
      'prod-web',
      [...live, obj('v1', 'ConfigMap', 'extra')],
      {
        'v1/ConfigMap': ['prod-web/settings'],
        'apps/v1/Deployment': ['prod-web/ghost'],
        'drp.uyoop.io/v1/Site': ['prod-web/www'],
      },
    );
    expect(v.complete).toBe(false);
    expect(v.missingKinds).toEqual([]);
    expect(v.missingObjects).toEqual(['v1/ConfigMap prod-web/extra']);
  });

  it('is complete when every object is there', () => {
    const v = verifyBackupContents('nightly', 'prod-web', live, {
      'v1/ConfigMap': ['prod-web/settings', 'other/x'],
      'apps/v1/Deployment': ['prod-web/ghost'],
      'drp.uyoop.io/v1/Site': ['prod-web/www'],
    });
    expect(v.complete).toBe(true);
  });
});
