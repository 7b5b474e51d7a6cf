import express, { Request } from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  drpDrillPermission,
  drpInPlaceRestorePermission,
  drpReadPermission,
  drpScratchRestorePermission,
  PlanError,
  RestoreMode,
} from '@internal/plugin-uyoop-drp-common';
import type { DrpEngine } from '@internal/plugin-uyoop-drp-node';

export interface RouterOptions {
  engine: DrpEngine;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const field = (body: any, name: string, required = true) => {
  const v = body?.[name];
  if (v === undefined || v === '') {
    if (required) throw new InputError(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || !NAME.test(v))
    throw new InputError(
      `${name} must be a Kubernetes name, got "${String(v)}"`,
    );
  return v;
};

const planErrors = async <T>(f: () => Promise<T>) => {
  try {
    return await f();
  } catch (e) {
    if (e instanceof PlanError) throw new InputError(e.message);
    throw e;
  }
};

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, httpAuth, permissions, auditor, logger } = options;
  const router = Router();
  router.use(express.json());

  /** Checks the permission; returns the actor, for the audit record. */
  const authorize = async (req: Request, permission: BasicPermission) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    const principal = credentials.principal as {
      userEntityRef?: string;
      subject?: string;
    };
    const actor = principal.userEntityRef ?? principal.subject ?? 'unknown';
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(
        `${permission.name} is not granted to ${actor}`,
      );
    return actor;
  };

  /** A destructive action: one audit record with the actor, and a log line. */
  const audited = async <T>(
    req: Request,
    eventId: string,
    actor: string,
    meta: Record<string, string>,
    act: () => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'high',
      request: req,
      meta: { actor, ...meta },
    });
    try {
      const out = await act();
      await event.success({ meta: { actor, ...meta } });
      logger.info(
        `audit: ${eventId} by ${actor} ${Object.entries(meta)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}: started`,
      );
      return out;
    } catch (e) {
      await event.fail({ error: e as Error, meta: { actor, ...meta } });
      logger.warn(
        `audit: ${eventId} by ${actor} ${Object.entries(meta)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}: refused: ${(e as Error).message}`,
      );
      throw e;
    }
  };

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/preflight', async (req, res) => {
    await authorize(req, drpReadPermission);
    res.json(await engine.preflight());
  });

  router.get('/inventory', async (req, res) => {
    await authorize(req, drpReadPermission);
    res.json(await engine.inventory());
  });

  router.get('/backups/:name', async (req, res) => {
    await authorize(req, drpReadPermission);
    res.json(await engine.backup(field(req.params, 'name')!));
  });

  router.post('/restores', async (req, res) => {
    const mode = (req.body?.mode ?? 'scratch') as RestoreMode;
    if (!['scratch', 'in-place'].includes(mode))
      throw new InputError(`mode must be scratch or in-place, got "${mode}"`);
    const actor = await authorize(
      req,
      mode === 'in-place'
        ? drpInPlaceRestorePermission
        : drpScratchRestorePermission,
    );
    const backup = field(req.body, 'backup')!;
    const namespace = field(req.body, 'namespace')!;
    const plan = await audited(
      req,
      'restore',
      actor,
      { mode, backup, namespace },
      () =>
        planErrors(async () =>
          engine.startRestore(
            await engine.planRestore({
              backup,
              namespace,
              mode,
              confirm: req.body?.confirm,
              target: field(req.body, 'target', false),
            }),
          ),
        ),
    );
    res.status(202).json(plan);
  });

  router.get('/restores/:name', async (req, res) => {
    await authorize(req, drpReadPermission);
    res.json(await engine.restoreProgress(field(req.params, 'name')!));
  });

  router.post('/drills', async (req, res) => {
    const actor = await authorize(req, drpDrillPermission);
    const namespace = field(req.body, 'namespace')!;
    const backup = field(req.body, 'backup', false);
    const { record, done } = await audited(
      req,
      'drill',
      actor,
      { namespace, ...(backup ? { backup } : {}) },
      () => engine.startDrill({ namespace, backup, actor }),
    );
    done.then(
      r =>
        logger.info(
          `drill ${r.id} on ${r.namespace}: ${r.status}${
            r.error ? ` (${r.error})` : ''
          }`,
        ),
      e => logger.error(`drill ${record.id}: ${(e as Error).message}`),
    );
    res.status(202).json(record);
  });

  router.get('/drills', async (req, res) => {
    await authorize(req, drpReadPermission);
    const namespace =
      typeof req.query.namespace === 'string' ? req.query.namespace : undefined;
    res.json(await engine.drills({ namespace }));
  });

  router.get('/drills/:id', async (req, res) => {
    await authorize(req, drpReadPermission);
    res.json(await engine.drill(req.params.id));
  });

  router.get('/drills/:id/report.html', async (req, res) => {
    await authorize(req, drpReadPermission);
    res
      .type('html')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="drill-${req.params.id}.html"`,
      )
      .send(await engine.drillReport(req.params.id));
  });

  return router;
}
