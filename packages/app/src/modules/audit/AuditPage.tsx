import {
  Content,
  ContentHeader,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';

/** A row of GET /api/audit/records (packages/backend/src/audit). */
export interface AuditRecord {
  id: number;
  at: string;
  plugin: string;
  eventId: string;
  severity: string;
  status: string;
  actor: string | null;
  meta: Record<string, unknown>;
  error: string | null;
}

const target = (meta: Record<string, unknown>) =>
  Object.entries(meta)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');

const columns: TableColumn<AuditRecord>[] = [
  { title: 'When', field: 'at', width: '14em' },
  {
    title: 'Action',
    render: r => `${r.plugin}.${r.eventId}`,
    customFilterAndSearch: (q, r) =>
      `${r.plugin}.${r.eventId}`.includes(String(q)),
  },
  { title: 'Actor', render: r => r.actor ?? '(the backend)' },
  { title: 'Target', render: r => target(r.meta) },
  {
    title: 'Result',
    render: r => (r.error ? `${r.status}: ${r.error}` : r.status),
  },
];

/** The audit trail, for admins: who did what, on what, and how it ended. */
export const AuditPage = () => {
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const { value, loading, error } = useAsync(async () => {
    const res = await fetch(
      `${await discovery.getBaseUrl('audit')}/records?limit=500`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return ((await res.json()) as { records: AuditRecord[] }).records;
  }, [discovery, fetch]);
  return (
    <Content>
      <ContentHeader title="Audit trail">
        <Typography variant="body2">
          Sensitive actions and permission decisions, newest first.
        </Typography>
      </ContentHeader>
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && (
        <Table<AuditRecord>
          title={`${value.length} records`}
          options={{ paging: true, pageSize: 20, search: true }}
          columns={columns}
          data={value}
        />
      )}
    </Content>
  );
};
