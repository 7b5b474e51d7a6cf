import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { drpApiRef } from '../api';
import { RpoBadge } from './DrpPage';

/** A service's recovery point and what the preflight says of it. */
export const EntityBackupCard = () => {
  const { entity } = useEntity();
  const api = useApi(drpApiRef);
  const name = entity.metadata.name;
  const state = useAsync(async () => {
    const [inventory, preflight] = await Promise.all([
      api.inventory(),
      api.preflight(),
    ]);
    const rpo = inventory.rpo.find(r => r.service === name);
    const ns =
      rpo?.namespace ??
      entity.metadata.annotations?.['backstage.io/kubernetes-namespace'];
    // About the service itself, its namespace, or a volume of it.
    const mine = (subject: string) =>
      subject === `component:${name}` ||
      (!!ns && (subject === `namespace ${ns}` || subject.startsWith(`${ns}/`)));
    return { rpo, findings: preflight.findings.filter(f => mine(f.subject)) };
  }, [api, entity]);
  if (state.loading) return <Progress />;
  if (state.error) return <ResponseErrorPanel error={state.error} />;
  const { rpo, findings } = state.value!;
  return (
    <InfoCard title="Backups">
      {rpo ? (
        <Typography variant="body2" paragraph>
          <RpoBadge rpo={rpo} /> {rpo.tiers.join(' and ') || 'no tier'}, last
          good backup {rpo.lastBackup ?? 'none'}.
        </Typography>
      ) : (
        <Typography variant="body2" paragraph>
          No backup policy names this service.
        </Typography>
      )}
      {findings.map(f => (
        <Typography key={f.subject + f.message} variant="body2" color="error">
          {f.message}
        </Typography>
      ))}
    </InfoCard>
  );
};
