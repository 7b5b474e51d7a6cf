import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  devToProdPaths,
  ReachabilityReport,
} from '@internal/plugin-uyoop-platform-common';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { platformApiRef } from '../api';
import { destinationName, DevToProdPanel, portsText } from './marks';

const Cell = ({
  report,
  from,
  to,
}: {
  report: ReachabilityReport;
  from: string;
  to: string;
}) => {
  if (!report.allowed[from]?.[to]) {
    return (
      <TableCell align="center" aria-label={`${from} to ${to}: denied`}>
        ·
      </TableCell>
    );
  }
  const ports = portsText(report.ports[from]?.[to] ?? []);
  const devToProd = report.tiers[from] === 'dev' && report.tiers[to] === 'prod';
  return (
    <TableCell align="center" aria-label={`${from} to ${to}: ${ports}`}>
      <Tooltip title={ports}>
        <Typography
          variant="body2"
          component="span"
          color={devToProd ? 'error' : 'initial'}
        >
          {devToProd ? '✗' : '✓'}
        </Typography>
      </Tooltip>
    </TableCell>
  );
};

/** The whole matrix: rows open connections to columns; hover a mark for the ports. */
export const ReachabilityMatrixCard = ({
  report,
}: {
  report: ReachabilityReport;
}) => {
  const devToProd = devToProdPaths(report);
  return (
    <InfoCard
      title="Reachability matrix"
      subheader={`Rows open connections to columns, as the NetworkPolicies allow (computed ${report.generatedAt})`}
    >
      <DevToProdPanel paths={devToProd} />
      {devToProd.length === 0 && (
        <Typography variant="body2" paragraph>
          No dev-tier namespace reaches a prod one.
        </Typography>
      )}
      <Table size="small" aria-label="reachability matrix">
        <TableHead>
          <TableRow>
            <TableCell>from \ to</TableCell>
            {report.destinations.map(d => (
              <TableCell key={d} align="center">
                {destinationName(d)}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {report.sources.map(s => (
            <TableRow key={s}>
              <TableCell component="th" scope="row">
                {s}
                {report.tiers[s] ? ` (${report.tiers[s]})` : ''}
              </TableCell>
              {report.destinations.map(d => (
                <Cell key={d} report={report} from={s} to={d} />
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
};

export const NetworkPage = () => {
  const api = useApi(platformApiRef);
  const state = useAsync(() => api.reachability(), [api]);
  return (
    <Page themeId="tool">
      <Header
        title="Network reachability"
        subtitle="Which namespace can open a connection to which, on which ports, and to the internet"
      />
      <Content>
        {state.loading && <Progress />}
        {state.error && <ResponseErrorPanel error={state.error} />}
        {state.value && <ReachabilityMatrixCard report={state.value} />}
      </Content>
    </Page>
  );
};
