import type { KubeConfig } from '@kubernetes/client-node';
import {
  AllocationMethod,
  AllocationWeights,
  Budget,
  BreakdownReport,
  CostSource,
  NodeAllocation,
} from '@internal/plugin-uyoop-finops-common';
import type { Platform } from '@internal/platform';
import { allocatePeriods, allocationOf, ClusterReader } from './allocation';
import { readClusterUsage } from './cluster';
import {
  defaultPeriods,
  EngineLogger,
  ingestPeriods,
  IngestResult,
} from './ingestion';
import { currentPeriod } from './lines';
import type { OvhApi } from './ovh/client';
import { CostReports } from './reports';
import type { CostStore } from './store/store';

export type { EngineLogger, IngestResult } from './ingestion';

export interface FinopsEngineOptions {
  store: CostStore;
  platform: Platform;
  /** The OVH API; without it the catalog and dossier prices are used, labelled estimate. */
  ovh?: OvhApi;
  nodeServices?: Record<string, string>;
  cloudProjectId?: string;
  /** Files of manual entries (CSV or YAML), imported at every ingestion, each entry into its own month. */
  manualFiles?: string[];
  /** The cluster to read requests from; without it each node is split evenly among the namespaces the catalog puts on it. */
  kubeConfig?: KubeConfig;
  /** Reads the cluster (default: readClusterUsage on kubeConfig). */
  cluster?: ClusterReader;
  weights?: AllocationWeights;
  budgets?: Budget[];
  logger?: EngineLogger;
  now?: () => Date;
}

/**
 * The FinOps engine: ingestion (ingestion.ts), allocation (allocation.ts)
 * and the reports (reports.ts) over one store. The backend and the CLI are
 * thin callers of it.
 */
export class FinopsEngine extends CostReports {
  private readonly now: () => Date;
  private readonly cluster?: ClusterReader;

  constructor(private readonly engineOptions: FinopsEngineOptions) {
    const now = engineOptions.now ?? (() => new Date());
    const kc = engineOptions.kubeConfig;
    const cluster =
      engineOptions.cluster ?? (kc ? () => readClusterUsage(kc) : undefined);
    super({
      ...engineOptions,
      now,
      defaultMethod: cluster ? 'cluster-requests' : 'catalog-even-split',
    });
    this.now = now;
    this.cluster = cluster;
  }

  get store(): CostStore {
    return this.engineOptions.store;
  }

  get usesEstimates() {
    return !this.engineOptions.ovh;
  }

  /** Periods a scheduled ingestion reads (see ingestion.ts defaultPeriods). */
  defaultPeriods(): Promise<string[]> {
    return defaultPeriods({ ...this.engineOptions, now: this.now });
  }

  /**
   * Ingests the periods (default: defaultPeriods), then allocates each with
   * the requests observed during it. `manualFiles` are this run's files,
   * whose entries must fall in `periods` when periods are given.
   */
  async ingest(
    periods?: string[],
    run: { manualFiles?: string[] } = {},
  ): Promise<IngestResult> {
    const { store } = this.engineOptions;
    const startedAt = this.now().toISOString();
    let done: Awaited<ReturnType<typeof ingestPeriods>> | undefined;
    try {
      done = await ingestPeriods(
        { ...this.engineOptions, now: this.now },
        periods,
        run,
      );
      const allocations = await allocatePeriods(
        {
          store,
          platform: this.engineOptions.platform,
          cluster: this.cluster,
          weights: this.engineOptions.weights,
          now: this.now,
        },
        done.periods,
      );
      const sources = [
        ...new Set<CostSource>(done.lines.map(l => l.source)),
      ];
      const last = done.periods[done.periods.length - 1];
      const result: IngestResult = {
        periods: done.periods,
        sources,
        lines: done.lines.length,
        estimate: this.usesEstimates,
        allocation: allocations[last] ?? this.defaultMethod(),
        allocations,
        changes: done.changes,
        statuses: done.statuses,
      };
      await store.recordIngestion({
        startedAt,
        finishedAt: this.now().toISOString(),
        periods: done.periods,
        sources,
        lines: result.lines,
        status: 'ok',
      });
      this.engineOptions.logger?.info(
        `finops: ingested ${result.periods.join(', ')}: ${
          result.changes
            .map(
              c =>
                `${c.source} +${c.added} ~${c.replaced} -${c.removed}`,
            )
            .join(', ') || 'no source'
        }`,
      );
      return result;
    } catch (e) {
      await store.recordIngestion({
        startedAt,
        finishedAt: this.now().toISOString(),
        periods: periods ?? [],
        sources: [],
        lines: 0,
        status: 'failed',
        message: (e as Error).message,
      });
      throw e;
    }
  }

  private defaultMethod(): AllocationMethod {
    return this.cluster ? 'cluster-requests' : 'catalog-even-split';
  }

  /** Node allocations of a period, as the ingestion computes them. */
  async nodeAllocations(period = currentPeriod(this.now())): Promise<{
    method: BreakdownReport['method'];
    allocations: NodeAllocation[];
  }> {
    return allocationOf(
      {
        store: this.engineOptions.store,
        platform: this.engineOptions.platform,
        cluster: this.cluster,
        weights: this.engineOptions.weights,
        now: this.now,
      },
      period,
    );
  }
}
