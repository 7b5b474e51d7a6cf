import { WarningPanel } from '@backstage/core-components';
import {
  INTERNET,
  ReachabilityPath,
} from '@internal/plugin-uyoop-platform-common';
import { Typography } from '@material-ui/core';

/** How a destination reads: the internet column is not a namespace. */
export const destinationName = (name: string) =>
  name === INTERNET ? 'internet' : name;

export const portsText = (ports: string[]) => ports.join(', ');

/** On a path from a dev-tier namespace to a prod one (which the policies must never allow). */
export const DevToProdMark = () => (
  <Typography
    component="span"
    variant="caption"
    color="error"
    title="A dev-tier namespace must never reach a prod one"
  >
    {' '}
    dev reaches prod
  </Typography>
);

/** The error at the top when any shown path breaks the tiers' isolation. */
export const DevToProdPanel = ({ paths }: { paths: ReachabilityPath[] }) =>
  paths.length === 0 ? null : (
    <WarningPanel
      severity="error"
      title="A dev-tier namespace reaches a prod one"
      message={`${paths
        .map(p => `${p.from} -> ${p.to} (${portsText(p.ports)})`)
        .join(
          '; ',
        )}. Dev and prod namespaces must stay isolated: check the NetworkPolicies generated in infra/k8s.`}
    />
  );
