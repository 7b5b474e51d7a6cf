import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  catalogApiRef,
  getEntityRelations,
  useEntity,
} from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';
import { NodeSpecs } from './NodeSpecs';

/** Entity card of a node (Resource of type node): its specs, and what it hosts by namespace. */
export const NodeSpecsCard = () => {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  // The catalog's `hosts` relations (the uyoop catalog module derives them from uyoop.io/node).
  const refs = getEntityRelations(entity, 'hosts').map(r =>
    stringifyEntityRef(r),
  );
  const { value, loading, error } = useAsync(
    async () =>
      refs.length
        ? (await catalogApi.getEntitiesByRefs({ entityRefs: refs })).items
        : [],
    [catalogApi, refs.join(',')],
  );
  return (
    <InfoCard title="Node specs">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && (
        <NodeSpecs
          node={entity}
          hosted={value.filter((e): e is NonNullable<typeof e> => !!e)}
        />
      )}
    </InfoCard>
  );
};
