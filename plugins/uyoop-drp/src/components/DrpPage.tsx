import { useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  BackupInfo,
  DrillRecord,
  drpDrillPermission,
  formatSeconds,
  ServiceRpo,
} from '@internal/plugin-uyoop-drp-common';
import {
  Button,
  Chip,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { drpApiRef } from '../api';
import { RestoreDialog } from './RestoreDialog';

/** The dossier's daily backups: a recovery point older than 26 h is late. */
export const RPO_LIMIT_SECONDS = 26 * 3600;

export const RpoBadge = ({ rpo }: { rpo: ServiceRpo }) =>
  rpo.rpoSeconds === undefined ? (
    <Chip size="small" color="secondary" label="no backup" />
  ) : (
    <Chip
      size="small"
      color={rpo.rpoSeconds > RPO_LIMIT_SECONDS ? 'secondary' : 'primary'}
      label={`RPO ${formatSeconds(rpo.rpoSeconds)}`}
    />
  );

const Rows = ({
  head,
  rows,
}: {
  head: string[];
  rows: React.ReactNode[][];
}) => (
  <Table size="small">
    <TableHead>
      <TableRow>
        {head.map(h => (
          <TableCell key={h}>{h}</TableCell>
        ))}
      </TableRow>
    </TableHead>
    <TableBody>
      {rows.map((cells, i) => (
        <TableRow key={i}>
          {cells.map((c, j) => (
            <TableCell key={j}>{c}</TableCell>
          ))}
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

const PreflightCard = () => {
  const api = useApi(drpApiRef);
  const report = useAsyncRetry(() => api.preflight(), [api]);
  if (report.loading) return <Progress />;
  if (report.error) return <ResponseErrorPanel error={report.error} />;
  const r = report.value!;
  return (
    <InfoCard title="Coverage preflight: what will not be backed up">
      <Typography variant="body2" paragraph>
        {r.ok
          ? `Nothing left out (${r.passed.length} checks passed).`
          : `${r.findings.length} finding(s); ${r.passed.length} checks passed.`}
      </Typography>
      {r.findings.length > 0 && (
        <Rows
          head={['Severity', 'Area', 'Subject', 'What to do']}
          rows={r.findings.map(f => [f.severity, f.area, f.subject, f.message])}
        />
      )}
    </InfoCard>
  );
};

const InventoryCards = ({ pollMs }: { pollMs?: number }) => {
  const api = useApi(drpApiRef);
  const inventory = useAsyncRetry(() => api.inventory(), [api]);
  const [restoring, setRestoring] = useState<BackupInfo>();
  if (inventory.loading) return <Progress />;
  if (inventory.error) return <ResponseErrorPanel error={inventory.error} />;
  const inv = inventory.value!;
  return (
    <>
      <Grid item xs={12} md={6}>
        <InfoCard title="Recovery points">
          <Rows
            head={['Service', 'Namespace', 'Tiers', 'Last good backup', 'RPO']}
            rows={inv.rpo.map(r => [
              r.service,
              r.namespace,
              r.tiers.join(', ') || '-',
              r.lastBackup ?? 'none',
              <RpoBadge rpo={r} />,
            ])}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Backups">
          {inv.backups.length === 0 ? (
            <Typography variant="body2">No backup yet.</Typography>
          ) : (
            <Rows
              head={['Backup', 'Namespaces', 'Phase', 'Started', 'Items', '']}
              rows={inv.backups.map(b => [
                b.name,
                b.namespaces.join(', '),
                b.phase,
                b.startedAt ?? '-',
                `${b.itemsBackedUp ?? 0}/${b.totalItems ?? '?'}`,
                <Button
                  size="small"
                  disabled={b.phase !== 'Completed'}
                  onClick={() => setRestoring(b)}
                >
                  Restore…
                </Button>,
              ])}
            />
          )}
        </InfoCard>
      </Grid>
      {restoring && (
        <RestoreDialog
          backup={restoring}
          pollMs={pollMs}
          onClose={() => {
            setRestoring(undefined);
            inventory.retry();
          }}
        />
      )}
    </>
  );
};

/** Opens a drill's HTML report (fetched with the user's token) in a new tab. */
async function openReport(html: string) {
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  window.open(url, '_blank', 'noopener');
}

const DrillsCard = () => {
  const api = useApi(drpApiRef);
  const drills = useAsyncRetry(() => api.drills(), [api]);
  const canDrill = usePermission({ permission: drpDrillPermission });
  const [namespace, setNamespace] = useState('');
  const [confirm, setConfirm] = useState('');
  const [message, setMessage] = useState<string>();
  if (drills.loading) return <Progress />;
  if (drills.error) return <ResponseErrorPanel error={drills.error} />;
  const list: DrillRecord[] = drills.value!;
  const measured = [...list]
    .filter(d => d.rtoSeconds !== undefined)
    .reverse()
    .map(d => ({
      drill: `${d.namespace} ${d.startedAt.slice(0, 10)}`,
      rto: d.rtoSeconds,
      rpo: d.rpoSeconds,
    }));
  const start = async () => {
    setMessage(undefined);
    try {
      const d = await api.startDrill(namespace);
      setMessage(`Drill ${d.id} started on ${d.namespace}.`);
      setConfirm('');
      drills.retry();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <InfoCard title="Chaos-day drills">
      <Grid container spacing={2} alignItems="center">
        {[
          [
            'drp-drill-namespace',
            'Namespace to delete and restore',
            namespace,
            setNamespace,
          ] as const,
          [
            'drp-drill-confirm',
            'Type it again to confirm',
            confirm,
            setConfirm,
          ] as const,
        ].map(([id, label, value, set]) => (
          <Grid item key={id}>
            <TextField
              id={id}
              label={label}
              value={value}
              onChange={e => set(e.target.value)}
              disabled={!canDrill.allowed}
            />
          </Grid>
        ))}
        <Grid item>
          <Button
            variant="contained"
            color="secondary"
            disabled={!canDrill.allowed || !namespace || confirm !== namespace}
            onClick={start}
          >
            Start the drill
          </Button>
        </Grid>
      </Grid>
      {!canDrill.allowed && !canDrill.loading && (
        <Typography variant="body2">Drills are for drp-admins.</Typography>
      )}
      {message && (
        <Typography variant="body2" role="status">
          {message}
        </Typography>
      )}
      {measured.length > 0 && (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={measured}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="drill" />
            <YAxis unit=" s" />
            <Tooltip />
            <Legend />
            <Line dataKey="rto" name="RTO (s)" stroke="#c62828" />
            <Line dataKey="rpo" name="RPO (s)" stroke="#1565c0" />
          </LineChart>
        </ResponsiveContainer>
      )}
      {list.length === 0 ? (
        <Typography variant="body2">No drill yet.</Typography>
      ) : (
        <Rows
          head={['Namespace', 'Status', 'By', 'Started', 'RTO', 'RPO', '']}
          rows={list.map(d => [
            d.namespace,
            d.error ? `${d.status}: ${d.error}` : d.status,
            d.actor,
            d.startedAt,
            formatSeconds(d.rtoSeconds),
            formatSeconds(d.rpoSeconds),
            <Button
              size="small"
              onClick={async () => openReport(await api.drillReport(d.id))}
            >
              Report
            </Button>,
          ])}
        />
      )}
    </InfoCard>
  );
};

/**
 * Backups you can prove: coverage, recovery points, restores and drills.
 * `pollMs`: between two reads of a restore's progress.
 */
export const DrpPage = ({ pollMs }: { pollMs?: number }) => (
  <Page themeId="tool">
    <Header
      title="Disaster recovery"
      subtitle="Velero and restic backups, coverage, restores and chaos-day drills"
    />
    <Content>
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <PreflightCard />
        </Grid>
        <InventoryCards pollMs={pollMs} />
        <Grid item xs={12}>
          <DrillsCard />
        </Grid>
      </Grid>
    </Content>
  </Page>
);
