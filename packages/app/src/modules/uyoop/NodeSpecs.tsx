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
import { groupByNamespace, nodeSpecRows } from './nodeSpecs';

/** The specs of a node and what it hosts, grouped by namespace. */
export const NodeSpecs = ({
  node,
  hosted,
}: {
  node: Entity;
  hosted: Entity[];
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
      Hosts {hosted.length} entities, by namespace
    </Typography>
    <div aria-label={`services on ${node.metadata.name}`}>
      {groupByNamespace(hosted).map(({ namespace, entities }) => (
        <div
          key={namespace}
          role="group"
          aria-label={`namespace ${namespace}`}
          style={{ marginTop: 8 }}
        >
          <Typography variant="body2" component="h3">
            {namespace}
          </Typography>
          {entities.map(e => (
            <Chip
              key={`${e.kind}:${e.metadata.name}`}
              size="small"
              style={{ margin: 2 }}
              label={
                <EntityRefLink
                  entityRef={e}
                  title={e.metadata.title ?? e.metadata.name}
                />
              }
            />
          ))}
        </div>
      ))}
    </div>
  </>
);
