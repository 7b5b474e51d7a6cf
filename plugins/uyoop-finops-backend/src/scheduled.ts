import type {
  CostStore,
  EngineLogger,
  FinopsEngine,
  IngestResult,
} from '@internal/plugin-uyoop-finops-node';
import { refreshFinopsMetrics } from './metrics';

export interface ScheduledRun {
  /** What the ingestion did; absent when it failed. */
  ingested?: IngestResult;
  /** Why the ingestion or the gauges failed; the run itself never throws. */
  errors: string[];
}

/**
 * One run of the scheduled task: ingests the running month and every month
 * still waiting for its final bill (with the cluster snapshot of the running
 * month), then stores the gauges that /metrics serves. A failed ingestion is
 * logged and the gauges are still refreshed from what the store holds, so a
 * scrape keeps answering with the last known figures.
 */
export async function runScheduledIngestion(options: {
  engine: FinopsEngine;
  store: CostStore;
  logger: Pick<EngineLogger, 'warn'> & { error(message: string): void };
  now?: () => Date;
}): Promise<ScheduledRun> {
  const { engine, store, logger } = options;
  const run: ScheduledRun = { errors: [] };
  try {
    run.ingested = await engine.ingest();
  } catch (e) {
    const message = `finops: ingestion failed: ${(e as Error).message}`;
    logger.error(message);
    run.errors.push(message);
  }
  try {
    await refreshFinopsMetrics(engine, store, options.now);
  } catch (e) {
    const message = `finops: metrics refresh failed: ${(e as Error).message}`;
    logger.error(message);
    run.errors.push(message);
  }
  return run;
}
