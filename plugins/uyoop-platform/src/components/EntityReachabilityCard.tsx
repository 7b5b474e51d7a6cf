import {
  Entity,
  parseEntityRef,
  RELATION_HAS_PART,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import {
  INTERNET,
  namespaceReachability,
  NamespaceReachability,
  ReachabilityPath,
} from '@internal/plugin-uyoop-platform-common';
import {
  Box,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { platformApiRef } from '../api';
import {
  destinationName,
  DevToProdMark,
  DevToProdPanel,
  portsText,
} from './marks';

const NAMESPACE_ANNOTATION = 'backstage.io/kubernetes-namespace';

/** The Kubernetes namespaces the system's components name, sorted. */
async function systemNamespaces(
  catalogApi: typeof catalogApiRef.T,
  system: Entity,
): Promise<string[]> {
  const components = (system.relations ?? [])
    .filter(r => r.type === RELATION_HAS_PART)
    .map(r => r.targetRef)
    .filter(
      ref => parseEntityRef(ref).kind.toLocaleLowerCase() === 'component',
    );
  if (components.length === 0) return [];
  const { items } = await catalogApi.getEntitiesByRefs({
    entityRefs: components,
  });
  const names = items.map(e => e?.metadata.annotations?.[NAMESPACE_ANNOTATION]);
  return [...new Set(names.filter((n): n is string => !!n))].sort();
}

const PathRow = ({
  direction,
  other,
  path,
}: {
  direction: string;
  other: string;
  path?: ReachabilityPath;
}) => (
  <TableRow>
    <TableCell>{direction}</TableCell>
    <TableCell>
      <Typography
        variant="body2"
        component="span"
        color={path?.devToProd ? 'error' : 'initial'}
      >
        {destinationName(other)}
      </Typography>
      {path?.devToProd && <DevToProdMark />}
    </TableCell>
    <TableCell>{path ? portsText(path.ports) : 'denied'}</TableCell>
  </TableRow>
);

const NamespaceTable = ({ view }: { view: NamespaceReachability }) => {
  const internet = view.reaches.find(p => p.to === INTERNET);
  const namespaces = view.reaches.filter(p => p.to !== INTERNET);
  return (
    <Table size="small" aria-label={`${view.namespace} reachability`}>
      <TableHead>
        <TableRow>
          <TableCell>Direction</TableCell>
          <TableCell>Namespace</TableCell>
          <TableCell>Ports</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {namespaces.map(p => (
          <PathRow
            key={`to ${p.to}`}
            direction="reaches"
            other={p.to}
            path={p}
          />
        ))}
        <PathRow direction="reaches" other={INTERNET} path={internet} />
        {view.reachedFrom.map(p => (
          <PathRow
            key={`from ${p.from}`}
            direction="reached from"
            other={p.from}
            path={p}
          />
        ))}
      </TableBody>
    </Table>
  );
};

/**
 * On a system's page: for each namespace of its components, what it can open
 * a connection to (namespaces, then the internet) and what can open one to
 * it, with the ports, as the cluster's NetworkPolicies allow.
 */
export const EntityReachabilityCard = () => {
  const { entity } = useEntity();
  const api = useApi(platformApiRef);
  const catalogApi = useApi(catalogApiRef);
  const state = useAsync(async () => {
    const [report, namespaces] = await Promise.all([
      api.reachability(),
      systemNamespaces(catalogApi, entity),
    ]);
    return namespaces.map(namespace => ({
      namespace,
      view: namespaceReachability(report, namespace),
    }));
  }, [api, catalogApi, entity]);
  if (state.loading) return <Progress />;
  if (state.error) return <ResponseErrorPanel error={state.error} />;
  const namespaces = state.value!;
  // Each path once, whichever of the system's namespaces it starts or ends in.
  const devToProd = [
    ...new Map(
      namespaces
        .flatMap(n => [
          ...(n.view?.reaches ?? []),
          ...(n.view?.reachedFrom ?? []),
        ])
        .filter(p => p.devToProd)
        .map(p => [`${p.from} ${p.to}`, p]),
    ).values(),
  ];
  return (
    <InfoCard
      title="Network reachability"
      subheader="Connections the cluster's NetworkPolicies allow, per namespace of this system"
    >
      <DevToProdPanel paths={devToProd} />
      {namespaces.length === 0 && (
        <Typography variant="body2">
          No component of this system names a Kubernetes namespace.
        </Typography>
      )}
      {namespaces.map(({ namespace, view }) => (
        <Box key={namespace} mt={2}>
          <Typography variant="subtitle1">
            {namespace}{' '}
            {view?.tier && <Chip size="small" label={`${view.tier} tier`} />}
          </Typography>
          {view ? (
            <NamespaceTable view={view} />
          ) : (
            <Typography variant="body2" color="error">
              {namespace} is not in the cluster's reachability matrix.
            </Typography>
          )}
        </Box>
      ))}
    </InfoCard>
  );
};
