import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  DrillRecord,
  Inventory,
  PreflightReport,
  RestoreMode,
  RestorePlan,
  RestoreProgress,
} from '@internal/plugin-uyoop-drp-common';

export interface RestoreRequest {
  backup: string;
  namespace: string;
  mode: RestoreMode;
  /** The namespace's name typed again: an in-place restore needs it. */
  confirm?: string;
}

export interface DrpApi {
  preflight(): Promise<PreflightReport>;
  inventory(): Promise<Inventory>;
  /** Starts a restore (admins for a scratch one, drp-admins in place). */
  restore(request: RestoreRequest): Promise<RestorePlan>;
  restoreProgress(name: string): Promise<RestoreProgress>;
  drills(namespace?: string): Promise<DrillRecord[]>;
  /** Starts a chaos-day drill: the namespace is deleted and restored (drp-admins). */
  startDrill(namespace: string): Promise<DrillRecord>;
  /** The drill's standalone HTML report. */
  drillReport(id: string): Promise<string>;
}

export const drpApiRef = createApiRef<DrpApi>({ id: 'plugin.drp' });

export class DrpClient implements DrpApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async call(path: string, init?: RequestInit): Promise<Response> {
    const base = await this.deps.discoveryApi.getBaseUrl('drp');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res;
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await this.call(path, init)).json();
  }

  private post<T>(path: string, body: unknown) {
    return this.json<T>(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  preflight() {
    return this.json<PreflightReport>('/preflight');
  }
  inventory() {
    return this.json<Inventory>('/inventory');
  }
  restore(request: RestoreRequest) {
    return this.post<RestorePlan>('/restores', request);
  }
  restoreProgress(name: string) {
    return this.json<RestoreProgress>(`/restores/${encodeURIComponent(name)}`);
  }
  drills(namespace?: string) {
    return this.json<DrillRecord[]>(
      `/drills${namespace ? `?${new URLSearchParams({ namespace })}` : ''}`,
    );
  }
  startDrill(namespace: string) {
    return this.post<DrillRecord>('/drills', { namespace });
  }
  async drillReport(id: string) {
    return (
      await this.call(`/drills/${encodeURIComponent(id)}/report.html`)
    ).text();
  }
}
