import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { finopsApiRef } from '../api';
import { TrendChart } from './charts';

/** The monthly cost of this node or service, and its trend. */
export const EntityCostCard = () => {
  const { entity } = useEntity();
  const api = useApi(finopsApiRef);
  const kind = entity.kind.toLowerCase() === 'component' ? 'service' : 'node';
  const { value, loading, error } = useAsync(
    () => api.entityCost(kind, entity.metadata.name),
    [api, kind, entity.metadata.name],
  );
  const last = value?.months[value.months.length - 1];
  return (
    <InfoCard title="Monthly cost">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && !last && (
        <Typography variant="body2">
          No cost recorded for {entity.metadata.name} yet.
        </Typography>
      )}
      {value && last && (
        <>
          <Typography
            variant="h5"
            aria-label={`monthly cost of ${entity.metadata.name}`}
          >
            {last.ttc.toFixed(2)} EUR TTC
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {last.ht.toFixed(2)} EUR HT · {last.period}
            {value.estimate ? ' · estimate (dossier target prices)' : ''}
            {kind === 'service' ? ' · share of its node by requests' : ''}
          </Typography>
          <TrendChart months={value.months} />
        </>
      )}
    </InfoCard>
  );
};
