import {
  compareFingerprints,
  hintFor,
  latestGoodBackup,
  measureDrill,
  planRestore,
  PlanError,
} from './plan';
import type { BackupInfo, DrillRecord } from './types';

const backup = (over: Partial<BackupInfo> = {}): BackupInfo => ({
  name: 'nightly',
  phase: 'Completed',
  namespaces: ['prod-web'],
  startedAt: '2026-06-20T01:00:00Z',
  errors: 0,
  warnings: 0,
  ...over,
});

describe('planRestore', () => {
  it('restores into a scratch namespace by default, through a namespace mapping, leaving the live one alone', () => {
    expect(
      planRestore({ backup: backup(), namespace: 'prod-web', suffix: 'x1' }),
    ).toEqual({
      backup: 'nightly',
      mode: 'scratch',
      sourceNamespace: 'prod-web',
      targetNamespace: 'prod-web-restore-x1',
      restoreName: 'nightly-x1',
      namespaceMappings: { 'prod-web': 'prod-web-restore-x1' },
      waitForNamespaceGone: false,
    });
  });

  it('restores in place only with the namespace typed as confirmation, and then waits for the live one to be gone', () => {
    const ask = (confirm?: string) =>
      planRestore({
        backup: backup(),
        namespace: 'prod-web',
        mode: 'in-place',
        confirm,
        suffix: 'x1',
      });
    expect(() => ask()).toThrow(
      'an in-place restore replaces prod-web: type its name to confirm',
    );
    expect(() => ask('prod-we')).toThrow(PlanError);
    expect(ask('prod-web')).toMatchObject({
      targetNamespace: 'prod-web',
      namespaceMappings: {},
      waitForNamespaceGone: true,
    });
  });

  it.each([
    [
      { phase: 'Failed' },
      'prod-web',
      'backup nightly is Failed: only a Completed (or PartiallyFailed) backup can be restored',
    ],
    [
      { namespaces: ['prod-mail'] },
      'prod-web',
      'backup nightly holds prod-mail, not prod-web',
    ],
    [{}, 'Prod_Web', '"Prod_Web" is not a namespace name'],
  ])('refuses %j for %s: %s', (over, namespace, message) => {
    expect(() =>
      planRestore({ backup: backup(over), namespace, suffix: 'x' }),
    ).toThrow(message);
  });

  it('refuses a scratch target equal to the live namespace', () => {
    expect(() =>
      planRestore({
        backup: backup(),
        namespace: 'prod-web',
        target: 'prod-web',
        suffix: 'x',
      }),
    ).toThrow('a scratch restore needs another namespace than prod-web');
  });
});

describe('latestGoodBackup', () => {
  it('takes the newest Completed backup holding the namespace, never one taken after the drill started', () => {
    const list = [
      backup({ name: 'old', startedAt: '2026-06-19T01:00:00Z' }),
      backup({ name: 'good', startedAt: '2026-06-20T01:00:00Z' }),
      backup({
        name: 'partial',
        phase: 'PartiallyFailed',
        startedAt: '2026-06-20T02:00:00Z',
      }),
      backup({
        name: 'other',
        namespaces: ['prod-mail'],
        startedAt: '2026-06-20T03:00:00Z',
      }),
      backup({ name: 'later', startedAt: '2026-06-20T10:00:00Z' }),
    ];
    expect(
      latestGoodBackup(list, 'prod-web', new Date('2026-06-20T09:00:00Z'))
        ?.name,
    ).toBe('good');
    expect(latestGoodBackup(list, 'prod-cloud')).toBeUndefined();
  });
});

describe('compareFingerprints and measureDrill', () => {
  it('names objects missing, extra and changed, and data probes that differ', () => {
    expect(
      compareFingerprints(
        {
          objects: { 'ConfigMap/a': '1', 'Secret/b': '2' },
          data: { rows: 'r1' },
        },
        {
          objects: { 'ConfigMap/a': '1', 'Secret/c': '3' },
          data: { rows: 'r2' },
        },
      ),
    ).toEqual({
      missing: ['Secret/b'],
      extra: ['Secret/c'],
      changed: ['data:rows'],
    });
  });

  it('measures RTO from the delete to pods Ready, and RPO from the backup to the drill start', () => {
    const r: DrillRecord = {
      id: 'd1',
      namespace: 'prod-web',
      status: 'succeeded',
      actor: 'a',
      startedAt: '2026-06-20T09:00:00Z',
      backupStartedAt: '2026-06-20T01:00:00Z',
      timeline: [
        { step: 'delete-namespace', at: '2026-06-20T09:00:10Z' },
        { step: 'pods-ready', at: '2026-06-20T09:02:40Z' },
      ],
    };
    expect(measureDrill(r)).toEqual({ rtoSeconds: 150, rpoSeconds: 8 * 3600 });
    expect(
      measureDrill({
        ...r,
        timeline: r.timeline.slice(0, 1),
        backupStartedAt: undefined,
      }),
    ).toEqual({
      rtoSeconds: undefined,
      rpoSeconds: undefined,
    });
  });

  it("explains Velero's usual restore messages", () => {
    expect(
      hintFor(
        'error restoring namespaces/prod-web: object is being deleted: namespace is terminating',
      ),
    ).toMatch(/velero#5697/);
    expect(
      hintFor(
        'the server could not find the requested resource; no matches for kind "Cluster"',
      ),
    ).toMatch(/CRD/);
    expect(hintFor('something else')).toBeUndefined();
  });
});
