import { InfoCard, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  CostLine,
  finopsIngestPermission,
  finopsInvoiceReadPermission,
} from '@internal/plugin-uyoop-finops-common';
import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { finopsApiRef } from '../api';

const f = (v: number) => v.toFixed(2);
const FINANCE_ONLY = 'finance and admins only';

/**
 * The ingested OVH bills and, for finance and admins, their lines and an
 * "Ingest now" button. Others see both controls disabled, with the reason.
 */
export const InvoicesCard = () => {
  const api = useApi(finopsApiRef);
  const canIngest = usePermission({ permission: finopsIngestPermission });
  const canReadLines = usePermission({
    permission: finopsInvoiceReadPermission,
  });
  const invoices = useAsyncRetry(() => api.invoices(), [api]);
  const [open, setOpen] = useState<string>();
  const [lines, loadLines] = useAsyncFn(
    async (billId: string): Promise<{ billId: string; lines: CostLine[] }> => {
      setOpen(billId);
      return { billId, lines: await api.invoiceLines(billId) };
    },
    [api],
  );
  const [ingestion, ingest] = useAsyncFn(async () => {
    const done = await api.ingest();
    invoices.retry();
    return done;
  }, [api, invoices.retry]);

  return (
    <InfoCard
      title="OVH invoices"
      subheader="bills ingested from the OVH API; their lines are for finance and admins"
      action={
        <Button
          variant="outlined"
          color="primary"
          disabled={!canIngest.allowed || ingestion.loading}
          title={
            canIngest.allowed ? 'ingest the open months now' : FINANCE_ONLY
          }
          onClick={() => ingest()}
        >
          Ingest now
        </Button>
      }
    >
      {!canIngest.loading && !canIngest.allowed && (
        <Typography variant="body2">
          Ingestion and invoice lines: {FINANCE_ONLY}.
        </Typography>
      )}
      {ingestion.value && (
        <Typography variant="body2" role="status">
          Ingested {ingestion.value.lines} lines for{' '}
          {ingestion.value.periods.join(', ')}.
        </Typography>
      )}
      {ingestion.error && <ResponseErrorPanel error={ingestion.error} />}
      {invoices.error && <ResponseErrorPanel error={invoices.error} />}
      <Table size="small" aria-label="invoices">
        <TableHead>
          <TableRow>
            <TableCell>Bill</TableCell>
            <TableCell>Month</TableCell>
            <TableCell align="right">EUR HT</TableCell>
            <TableCell align="right">EUR TTC</TableCell>
            <TableCell align="right">Lines</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {(invoices.value ?? []).map(i => (
            <TableRow key={i.billId}>
              <TableCell>{i.billId}</TableCell>
              <TableCell>{i.period}</TableCell>
              <TableCell align="right">{f(i.ht)}</TableCell>
              <TableCell align="right">{f(i.ttc)}</TableCell>
              <TableCell align="right">{i.lines}</TableCell>
              <TableCell>
                <Button
                  size="small"
                  disabled={!canReadLines.allowed}
                  title={canReadLines.allowed ? undefined : FINANCE_ONLY}
                  onClick={() => loadLines(i.billId)}
                >
                  Show lines
                </Button>
              </TableCell>
            </TableRow>
          ))}
          {invoices.value?.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>No bill ingested yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      {lines.error && <ResponseErrorPanel error={lines.error} />}
      {open && lines.value?.billId === open && (
        <Table size="small" aria-label={`lines of ${open}`}>
          <TableHead>
            <TableRow>
              <TableCell>Description</TableCell>
              <TableCell>Node</TableCell>
              <TableCell>Service</TableCell>
              <TableCell align="right">EUR HT</TableCell>
              <TableCell align="right">EUR TTC</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {lines.value.lines.map(l => (
              <TableRow key={l.externalId}>
                <TableCell>{l.description}</TableCell>
                <TableCell>{l.node ?? '-'}</TableCell>
                <TableCell>{l.service ?? '-'}</TableCell>
                <TableCell align="right">{f(l.amountHT)}</TableCell>
                <TableCell align="right">{f(l.amountTTC)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
};
