import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type {
  DrillRecord,
  Inventory,
  RestoreProgress,
} from '@internal/plugin-uyoop-drp-common';
import { SWRConfig } from 'swr';
import type { ReactNode } from 'react';
import { DrpApi, drpApiRef, RestoreRequest } from '../api';
import { DrpPage } from './DrpPage';

/** Each test gets its own permission cache (usePermission keeps decisions in SWR's). */
const withFreshPermissions = (children: ReactNode) => (
  <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
);

const inventory: Inventory = {
  at: '2026-06-20T06:00:00Z',
  backups: [
    {
      name: 'nightly-20260620',
      phase: 'Completed',
      namespaces: ['prod-web'],
      startedAt: '2026-06-20T01:00:00Z',
      itemsBackedUp: 12,
      totalItems: 12,
      errors: 0,
      warnings: 0,
    },
  ],
  schedules: [],
  locations: [],
  snapshots: [],
  rpo: [
    {
      service: 'ghost',
      namespace: 'prod-web',
      tiers: ['velero'],
      lastBackup: '2026-06-20T01:00:00Z',
      rpoSeconds: 5 * 3600,
    },
    { service: 'mailcow', namespace: 'prod-mail', tiers: [] },
  ],
};

const drill: DrillRecord = {
  id: 'd1',
  namespace: 'prod-web',
  status: 'succeeded',
  actor: 'user:default/drp-admin',
  startedAt: '2026-06-20T05:00:00Z',
  finishedAt: '2026-06-20T05:00:30Z',
  timeline: [],
  rtoSeconds: 22.8,
  rpoSeconds: 6,
};

/** The DRP API as the backend answers it, recording what the page asks. */
function fakeApi() {
  const restores: RestoreRequest[] = [];
  const progress: RestoreProgress[] = [
    {
      name: 'r1',
      phase: 'InProgress',
      itemsRestored: 4,
      totalItems: 12,
      errors: 0,
      warnings: 0,
      volumeBytesDone: 0,
      volumeBytesTotal: 1048576,
    },
    {
      name: 'r1',
      phase: 'Completed',
      itemsRestored: 12,
      totalItems: 12,
      errors: 0,
      warnings: 1,
      volumeBytesDone: 1048576,
      volumeBytesTotal: 1048576,
    },
  ];
  const api: DrpApi = {
    preflight: async () => ({
      at: inventory.at,
      ok: false,
      passed: ['velero-backups is reachable'],
      findings: [
        {
          severity: 'error',
          area: 'coverage',
          subject: 'component:mailcow',
          message: 'mailcow has no backup policy',
        },
      ],
    }),
    inventory: async () => inventory,
    restore: async request => {
      restores.push(request);
      return {
        backup: request.backup,
        mode: request.mode,
        sourceNamespace: request.namespace,
        targetNamespace:
          request.mode === 'scratch' ? 'prod-web-restore-r1' : 'prod-web',
        restoreName: 'r1',
        namespaceMappings: {},
        waitForNamespaceGone: request.mode === 'in-place',
      };
    },
    restoreProgress: async () => progress.shift() ?? progress[0],
    drills: async () => [drill],
    startDrill: async namespace => ({ ...drill, id: 'd2', namespace }),
    drillReport: async () => '<html></html>',
  };
  return { api, restores };
}

// Rendering the test app takes seconds on a loaded machine.
jest.setTimeout(60_000);
const slow = { timeout: 20_000 };

/** Allows exactly the named permissions. */
const allowing = (...names: string[]) =>
  mockApis.permission({
    authorize: request =>
      names.includes(request.permission.name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
  });

const render = (api: DrpApi, permissions = mockApis.permission()) =>
  renderInTestApp(withFreshPermissions(<DrpPage pollMs={10} />), {
    apis: [
      [drpApiRef, api],
      [permissionApiRef, permissions],
    ],
  });

describe('DrpPage', () => {
  it('shows what will not be backed up, each recovery point and the measured drills', async () => {
    await render(fakeApi().api);
    expect(
      await screen.findByText('mailcow has no backup policy', {}, slow),
    ).toBeInTheDocument();
    expect(await screen.findByText('RPO 5.0 h', {}, slow)).toBeInTheDocument();
    expect(screen.getByText('no backup')).toBeInTheDocument();
    const row = (
      await screen.findByText('user:default/drp-admin', {}, slow)
    ).closest('tr')!;
    expect(within(row).getByText('22.8 s')).toBeInTheDocument();
    expect(within(row).getByText('6.0 s')).toBeInTheDocument();
  });

  it('restores a backup into a scratch namespace and follows it to success', async () => {
    const { api, restores } = fakeApi();
    await render(api, allowing('uyoop.drp.restore.scratch'));
    fireEvent.click(
      await screen.findByRole('button', { name: 'Restore…' }, slow),
    );
    const start = await screen.findByRole(
      'button',
      { name: 'Start the restore' },
      slow,
    );
    await waitFor(() => expect(start).toBeEnabled(), slow);
    fireEvent.click(start);
    expect(
      await screen.findByText('Restored into prod-web-restore-r1.', {}, slow),
    ).toBeInTheDocument();
    expect(screen.getByText('Items restored: 12 of 12')).toBeInTheDocument();
    expect(
      screen.getByText('Volume data: 1.0 MiB of 1.0 MiB'),
    ).toBeInTheDocument();
    expect(restores).toEqual([
      { backup: 'nightly-20260620', namespace: 'prod-web', mode: 'scratch' },
    ]);
  });

  it('restores in place only once the namespace is typed again', async () => {
    const { api, restores } = fakeApi();
    await render(
      api,
      allowing('uyoop.drp.restore.scratch', 'uyoop.drp.restore.in-place'),
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Restore…' }, slow),
    );
    const inPlace = await screen.findByLabelText(
      'In place, over prod-web (drp-admins only)',
      {},
      slow,
    );
    await waitFor(() => expect(inPlace).toBeEnabled(), slow);
    fireEvent.click(inPlace);
    const start = screen.getByRole('button', { name: 'Start the restore' });
    expect(start).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Type prod-web to confirm'), {
      target: { value: 'prod-wb' },
    });
    expect(start).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Type prod-web to confirm'), {
      target: { value: 'prod-web' },
    });
    expect(start).toBeEnabled();
    fireEvent.click(start);
    expect(
      await screen.findByText('Restored into prod-web.', {}, slow),
    ).toBeInTheDocument();
    expect(restores).toEqual([
      {
        backup: 'nightly-20260620',
        namespace: 'prod-web',
        mode: 'in-place',
        confirm: 'prod-web',
      },
    ]);
  });

  it('gives a developer no way to restore or drill, and says why', async () => {
    const { api, restores } = fakeApi();
    await render(api, mockApis.permission({ authorize: AuthorizeResult.DENY }));
    expect(
      await screen.findByText('Drills are for drp-admins.', {}, slow),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Start the drill' }),
    ).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Restore…' }));
    expect(
      await screen.findByText('You may not run this restore.', {}, slow),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Start the restore' }),
    ).toBeDisabled();
    expect(restores).toEqual([]);
  });

  it('starts a drill only once the namespace is typed twice', async () => {
    const { api } = fakeApi();
    const started = jest.spyOn(api, 'startDrill');
    await render(api, allowing('uyoop.drp.drill.run'));
    const namespace = await screen.findByLabelText(
      'Namespace to delete and restore',
      {},
      slow,
    );
    await waitFor(() => expect(namespace).toBeEnabled(), slow);
    fireEvent.change(namespace, { target: { value: 'prod-web' } });
    const start = screen.getByRole('button', { name: 'Start the drill' });
    expect(start).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Type it again to confirm'), {
      target: { value: 'prod-web' },
    });
    expect(start).toBeEnabled();
    fireEvent.click(start);
    expect(await screen.findByRole('status', {}, slow)).toHaveTextContent(
      'Drill d2 started on prod-web.',
    );
    expect(started).toHaveBeenCalledWith('prod-web');
  });
});
