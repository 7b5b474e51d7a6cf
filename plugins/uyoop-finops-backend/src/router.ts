import express, { ErrorRequestHandler, Request } from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  finopsIngestPermission,
  finopsInvoiceReadPermission,
  finopsReadPermission,
  nextPeriod,
} from '@internal/plugin-uyoop-finops-common';
import {
  currentPeriod,
  FinopsEngine,
  isPeriod,
} from '@internal/plugin-uyoop-finops-node';
import { refreshFinopsMetrics, renderFinopsMetrics } from './metrics';

export interface RouterOptions {
  engine: FinopsEngine;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  /** Records each on-demand ingestion: who asked, for which months, the result. */
  auditor?: AuditorService;
  now?: () => Date;
}

const period = (v: unknown, name: string, fallback: string) => {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string' || !isPeriod(v))
    throw new InputError(`${name} must be YYYY-MM, got "${String(v)}"`);
  return v;
};

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, httpAuth, permissions, logger, auditor } = options;
  const now = options.now ?? (() => new Date());
  const router = Router();
  router.use(express.json());

  const authorize = async (req: Request, permission: BasicPermission) => {
    const credentials = await httpAuth.credentials(req);
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(`${permission.name} is not granted`);
  };

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', estimate: engine.usesEstimates });
  });

  router.get('/reports/monthly', async (req, res) => {
    await authorize(req, finopsReadPermission);
    const to = period(req.query.to, 'to', currentPeriod(now()));
    const from = period(req.query.from, 'from', nextPeriod(to, -11));
    if (from > to) throw new InputError(`from (${from}) is after to (${to})`);
    res.json(await engine.monthlyReport(from, to));
  });

  router.get('/reports/breakdown', async (req, res) => {
    await authorize(req, finopsReadPermission);
    const by = (req.query.by ?? 'service') as string;
    if (!['service', 'system', 'namespace'].includes(by))
      throw new InputError(
        `by must be service, system or namespace, got "${by}"`,
      );
    res.json(
      await engine.breakdown(
        period(req.query.period, 'period', currentPeriod(now())),
        by as 'service',
      ),
    );
  });

  router.get('/reports/legacy', async (req, res) => {
    await authorize(req, finopsReadPermission);
    res.json(await engine.legacyReport());
  });

  router.get('/reports/forecast', async (req, res) => {
    await authorize(req, finopsReadPermission);
    res.json(
      await engine.forecast(
        Math.min(12, Math.max(1, Number(req.query.horizon ?? 3) || 3)),
      ),
    );
  });

  router.get('/budgets', async (req, res) => {
    await authorize(req, finopsReadPermission);
    res.json(
      await engine.budgetReport(
        period(req.query.period, 'period', currentPeriod(now())),
      ),
    );
  });

  router.get('/entities/:kind/:name', async (req, res) => {
    await authorize(req, finopsReadPermission);
    const { kind, name } = req.params;
    if (kind !== 'node' && kind !== 'service')
      throw new InputError(`kind must be node or service, got "${kind}"`);
    res.json(await engine.entityCost(kind, name));
  });

  router.get('/invoices', async (req, res) => {
    await authorize(req, finopsReadPermission);
    res.json({ invoices: await engine.invoices() });
  });

  router.get('/invoices/:billId', async (req, res) => {
    await authorize(req, finopsInvoiceReadPermission);
    const lines = await engine.invoiceDetails(req.params.billId);
    if (!lines.length)
      throw new NotFoundError(`no invoice ${req.params.billId}`);
    res.json({ billId: req.params.billId, lines });
  });

  router.post('/ingest', async (req, res) => {
    await authorize(req, finopsIngestPermission);
    const periods = (req.body?.periods as string[] | undefined) ?? undefined;
    if (
      periods !== undefined &&
      (!Array.isArray(periods) || periods.some(p => !isPeriod(p)))
    )
      throw new InputError('periods must be a list of YYYY-MM');
    const event = await auditor?.createEvent({
      eventId: 'ingest',
      severityLevel: 'medium',
      request: req,
      meta: { periods: periods ?? 'running and pending months' },
    });
    let result;
    try {
      result = await engine.ingest(periods);
    } catch (error) {
      await event?.fail({ error: error as Error });
      throw error;
    }
    await event?.success({
      meta: {
        ingested: result.periods,
        lines: result.lines,
        estimate: result.estimate,
      },
    });
    await refreshFinopsMetrics(engine, engine.store, now);
    res.json(result);
  });

  // Prometheus scrapes with a static token (backend.auth.externalAccess),
  // and gets the gauges the scheduled task stored: no report is computed and
  // no OVH call is made here, however often the URL is hit.
  router.get('/metrics', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const m = await renderFinopsMetrics(engine.store);
    res.type(m.contentType).send(m.body);
  });

  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    const status =
      (
        {
          InputError: 400,
          NotAllowedError: 403,
          NotFoundError: 404,
          AuthenticationError: 401,
        } as Record<string, number>
      )[err?.name] ?? 500;
    if (status === 500) logger.error(`finops: ${err?.stack ?? err}`);
    res
      .status(status)
      .json({
        error: {
          name: err?.name ?? 'Error',
          message: err?.message ?? String(err),
        },
      });
  };
  router.use(errors);
  return router;
}
