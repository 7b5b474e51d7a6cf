import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type { ReachabilityReport } from '@internal/plugin-uyoop-platform-common';

export interface PlatformApi {
  /** The cluster's reachability matrix, as the catalog's NetworkPolicies allow it. */
  reachability(): Promise<ReachabilityReport>;
}

export const platformApiRef = createApiRef<PlatformApi>({
  id: 'plugin.platform',
});

export class PlatformClient implements PlatformApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async reachability(): Promise<ReachabilityReport> {
    const base = await this.deps.discoveryApi.getBaseUrl('platform');
    const res = await this.deps.fetchApi.fetch(`${base}/reachability`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.json();
  }
}
