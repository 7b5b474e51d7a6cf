import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';
import { NodeSpecs } from './NodeSpecs';
import { runsOn } from './nodeSpecs';

/** Entity card of a node (Resource of type node): its specs and hosted services. */
export const NodeSpecsCard = () => {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsync(
    () => catalogApi.getEntities({ filter: { kind: 'Component' } }),
    [catalogApi],
  );
  return (
    <InfoCard title="Node specs">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && (
        <NodeSpecs
          node={entity}
          services={value.items.filter(c => runsOn(c, entity.metadata.name))}
        />
      )}
    </InfoCard>
  );
};
