import { loadPlatform } from '@internal/platform';
import { coverageFindings, rpoPerService } from './coverage';
import type { KubeObject } from './kube';

const schedule = (namespaces: string[], fs = false): KubeObject => ({
  metadata: { name: `daily-${namespaces[0]}` },
  spec: {
    schedule: '0 1 * * *',
    template: { includedNamespaces: namespaces, defaultVolumesToFsBackup: fs },
  },
});

/** Ghost in prod-web: its content on a local-path (hostPath) volume, its MySQL in a pod. */
function prodWeb(fixed: boolean) {
  const pvc: KubeObject = {
    metadata: { name: 'ghost-content', namespace: 'prod-web' },
    spec: { volumeName: 'pvc-1' },
  };
  const pv: KubeObject = {
    metadata: { name: 'pvc-1' },
    spec: { hostPath: { path: '/var/lib/rancher/k3s/storage/pvc-1' } },
  };
  const ghost: KubeObject = {
    metadata: {
      name: 'ghost-0',
      namespace: 'prod-web',
      annotations: fixed
        ? { 'backup.velero.io/backup-volumes': 'content' }
        : {},
    },
    spec: {
      volumes: [
        {
          name: 'content',
          persistentVolumeClaim: { claimName: 'ghost-content' },
        },
      ],
    },
  };
  const mysql: KubeObject = {
    metadata: {
      name: 'ghost-db-0',
      namespace: 'prod-web',
      labels: { 'uyoop.io/database': 'ghost-db' },
      annotations: fixed
        ? {
            'pre.hook.backup.velero.io/command':
              '["/bin/sh","-c","mysqldump --all-databases > /backup/dump.sql"]',
          }
        : {},
    },
    spec: {},
  };
  return {
    persistentVolumeClaims: [pvc],
    persistentVolumes: [pv],
    pods: [ghost, mysql],
  };
}

describe('coverage preflight', () => {
  it('flags a hostPath PVC without an opt-in and a database without a dump hook, and passes once both are fixed', async () => {
    const platform = await loadPlatform();
    const web = {
      services: platform.services.filter(s => s.namespace === 'prod-web'),
      databases: platform.databases.filter(d => d.namespace === 'prod-web'),
    };
    const before = coverageFindings(web, {
      schedules: [schedule(['prod-web'])],
      ...prodWeb(false),
    });
    expect(before.findings.map(f => [f.subject, f.message])).toEqual([
      [
        'prod-web/pvc/ghost-content',
        'its volume is a host path, which Velero skips silently (velero#9035): annotate its pod with backup.velero.io/backup-volumes, or back up by file system in the schedule',
      ],
      [
        'resource:ghost-db',
        'mysql database in prod-web without a dump hook: a file copy of a running database is not consistent; annotate its pod with pre.hook.backup.velero.io/command',
      ],
    ]);
    const after = coverageFindings(web, {
      schedules: [schedule(['prod-web'])],
      ...prodWeb(true),
    });
    expect(after.findings).toEqual([]);
    expect(after.passed).toEqual([
      'namespace prod-web has a schedule',
      'prod-web/pvc/ghost-content is backed up by file system',
      'database ghost-db has a dump hook',
    ]);
  });

  it("a schedule that backs every volume up by file system covers the namespace's PVCs", async () => {
    const platform = await loadPlatform();
    const web = {
      services: platform.services.filter(s => s.namespace === 'prod-web'),
      databases: [],
    };
    const r = coverageFindings(web, {
      schedules: [schedule(['*'], true)],
      ...prodWeb(false),
    });
    expect(r.findings).toEqual([]);
  });

  it("names every namespace of the catalog's Velero-covered services that no schedule backs up, and a paused schedule does not count", async () => {
    const platform = await loadPlatform();
    const paused = {
      ...schedule(['prod-cloud']),
      spec: { ...schedule(['prod-cloud']).spec, paused: true },
    };
    const r = coverageFindings(platform, {
      schedules: [schedule(['prod-web', 'monitoring']), paused],
      persistentVolumeClaims: [],
      persistentVolumes: [],
      pods: [],
    });
    const namespaces = r.findings
      .filter(f => f.subject.startsWith('namespace '))
      .map(f => f.subject);
    expect(namespaces).toEqual([
      'namespace ai-lab',
      'namespace devops-factory',
      'namespace platform',
      'namespace prod-cloud',
    ]);
    // Mailcow runs beside K3s: restic only, so no Velero schedule is asked for prod-mail.
    expect(namespaces).not.toContain('namespace prod-mail');
    // Every database in the cluster but the Redis cache needs a dump hook.
    const errors = r.findings.filter(
      f => f.severity === 'error' && f.subject.startsWith('resource:'),
    );
    expect(errors.map(f => f.subject).sort()).toEqual([
      'resource:ghost-db',
      'resource:gitlab-db',
      'resource:nextcloud-db',
      'resource:portal-db',
      'resource:sonarqube-db',
    ]);
    // Mailcow's MariaDB runs in its compose stack: dumped by restic on the host, a warning only.
    expect(
      r.findings.find(f => f.subject === 'resource:mailcow-db'),
    ).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining(
        'check restic snapshots tagged mailcow-db',
      ),
    });
  });

  it('flags a service holding data without a backup policy', () => {
    const r = coverageFindings(
      {
        services: [
          {
            name: 'wiki',
            namespace: 'prod-web',
            storageTier: 'nvme',
            backup: [],
          } as any,
          {
            name: 'sso',
            namespace: 'security',
            storageTier: 'memory',
            backup: [],
          } as any,
        ],
        databases: [],
      },
      {
        schedules: [],
        persistentVolumeClaims: [],
        persistentVolumes: [],
        pods: [],
      },
    );
    expect(r.findings.map(f => `${f.subject}: ${f.message}`)).toEqual([
      'component:wiki: holds data (storage tier nvme) but has no uyoop.io/backup policy',
    ]);
  });
});

describe('RPO per service', () => {
  it('is now minus the last good backup of its tiers, and undefined when there is none', async () => {
    const platform = await loadPlatform();
    const now = new Date('2026-06-20T09:00:00Z');
    const rpo = rpoPerService(
      platform,
      [
        {
          namespaces: ['prod-web'],
          phase: 'Completed',
          startedAt: '2026-06-20T01:00:00Z',
        },
        {
          namespaces: ['prod-web'],
          phase: 'Failed',
          startedAt: '2026-06-20T08:00:00Z',
        },
      ],
      [{ time: '2026-06-20T08:30:00Z', tags: ['mailcow'] }],
      now,
    );
    const by = Object.fromEntries(rpo.map(r => [r.service, r.rpoSeconds]));
    expect(by.ghost).toBe(8 * 3600);
    expect(by.mailcow).toBe(30 * 60);
    expect(by.nextcloud).toBeUndefined();
    expect(by.traefik).toBeUndefined();
    expect(rpo.map(r => r.service)).not.toContain('traefik');
  });
});
