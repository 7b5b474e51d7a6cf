import type { Entity } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Chip,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import { nodeSpecRows } from './nodeSpecs';

/** The specs of a node and the services it hosts. */
export const NodeSpecs = ({
  node,
  services,
}: {
  node: Entity;
  services: Entity[];
}) => (
  <>
    <Table size="small" aria-label={`${node.metadata.name} specs`}>
      <TableBody>
        {nodeSpecRows(node).map(row => (
          <TableRow key={row.label}>
            <TableCell component="th" scope="row">
              {row.label}
            </TableCell>
            <TableCell>{row.value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
    <Typography variant="subtitle2" style={{ marginTop: 16 }}>
      Hosts {services.length} services
    </Typography>
    <div aria-label={`services on ${node.metadata.name}`}>
      {services.map(s => (
        <Chip
          key={s.metadata.name}
          size="small"
          style={{ margin: 2 }}
          label={
            <EntityRefLink
              entityRef={s}
              defaultKind="component"
              title={s.metadata.title ?? s.metadata.name}
            />
          }
        />
      ))}
    </div>
  </>
);
