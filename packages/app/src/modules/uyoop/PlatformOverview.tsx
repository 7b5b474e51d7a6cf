import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  EntityRefLink,
  getEntityRelations,
} from '@backstage/plugin-catalog-react';
import {
  Grid,
  List,
  ListItem,
  ListItemText,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { NodeSpecs } from './NodeSpecs';

const byName = (a: Entity, b: Entity) =>
  a.metadata.name.localeCompare(b.metadata.name);

/** The components a node hosts, by the catalog's `hosts` relations. */
const hostedBy = (node: Entity, components: Entity[]) => {
  const refs = new Set(
    getEntityRelations(node, 'hosts').map(r => stringifyEntityRef(r)),
  );
  return components.filter(c => refs.has(stringifyEntityRef(c)));
};

/** The platform at a glance: the nodes and what they host, the systems, and what comes next. */
export const PlatformOverview = () => {
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsync(async () => {
    const [nodes, components, systems] = await Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'Resource', 'spec.type': 'node' },
      }),
      catalogApi.getEntities({ filter: { kind: 'Component' } }),
      catalogApi.getEntities({ filter: { kind: 'System' } }),
    ]);
    return {
      nodes: nodes.items,
      components: components.items,
      systems: systems.items.sort(byName),
    };
  }, [catalogApi]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const { nodes, components, systems } = value!;
  // The K3s server first: it is the node everything else joins.
  const ordered = [...nodes].sort(
    (a, b) =>
      (a.metadata.annotations?.['uyoop.io/k3s-role'] ?? '').localeCompare(
        b.metadata.annotations?.['uyoop.io/k3s-role'] ?? '',
      ) * -1,
  );
  return (
    <Grid container spacing={3}>
      {ordered.map(node => (
        <Grid item xs={12} md={6} key={node.metadata.name}>
          <InfoCard
            title={node.metadata.title ?? node.metadata.name}
            subheader={node.metadata.description}
          >
            <NodeSpecs node={node} hosted={hostedBy(node, components)} />
          </InfoCard>
        </Grid>
      ))}
      <Grid item xs={12} md={6}>
        <InfoCard title="Systems">
          <List dense>
            {systems.map(system => {
              const count = components.filter(
                c => c.spec?.system === system.metadata.name,
              ).length;
              return (
                <ListItem key={system.metadata.name}>
                  <ListItemText
                    primary={
                      <EntityRefLink
                        entityRef={system}
                        title={system.metadata.title ?? system.metadata.name}
                      />
                    }
                    secondary={`${count} component${count === 1 ? '' : 's'} — ${
                      system.metadata.description ?? ''
                    }`}
                  />
                </ListItem>
              );
            })}
          </List>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={3}>
        <InfoCard title="FinOps">
          <Typography variant="body2">
            OVH invoices, legacy SaaS against the sovereign platform,
            per-namespace allocation, budgets and forecast:{' '}
            <Link to="/finops">open the FinOps page</Link>.
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={3}>
        <InfoCard title="Disaster recovery">
          <Typography variant="body2">
            Coverage preflight, recovery points, permission-gated restores and
            chaos-day drills with measured RTO/RPO:{' '}
            <Link to="/drp">open the DRP page</Link>.
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Golden paths">
          <Typography variant="body2">
            Templates create services born protected, costed, backed up and
            deployable: <Link to="/create">open the golden paths</Link>.
          </Typography>
        </InfoCard>
      </Grid>
    </Grid>
  );
};
