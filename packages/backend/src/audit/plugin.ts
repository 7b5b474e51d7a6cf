/**
 * The audit plugin: the audit trail's table in the backend database and
 * `GET /api/audit/records`, which only holders of `uyoop.audit.read` (admins)
 * may call. Query: `limit` (1-1000, default 200), `plugin`, `actor`.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express, { ErrorRequestHandler } from 'express';
import Router from 'express-promise-router';
import { auditReadPermission } from './permissions';
import { AuditStore } from './store';
import { auditTrailServiceRef } from './trail';

export const auditPlugin = createBackendPlugin({
  pluginId: 'audit',
  register(env) {
    env.registerInit({
      deps: {
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        trail: auditTrailServiceRef,
      },
      async init({
        database,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        trail,
      }) {
        const store = await AuditStore.create(await database.getClient());
        await trail.attach(store);
        permissionsRegistry.addPermissions([auditReadPermission]);

        const router = Router();
        router.use(express.json());
        router.get('/records', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user'],
          });
          const [decision] = await permissions.authorize(
            [{ permission: auditReadPermission }],
            { credentials },
          );
          if (decision.result !== AuthorizeResult.ALLOW)
            throw new NotAllowedError(
              `${auditReadPermission.name} is not granted: the audit trail is for admins`,
            );
          const limit =
            req.query.limit === undefined ? 200 : Number(req.query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
            throw new InputError(
              `limit must be a whole number from 1 to 1000, got "${String(
                req.query.limit,
              )}"`,
            );
          const text = (v: unknown) =>
            typeof v === 'string' && v !== '' ? v : undefined;
          res.json({
            records: await store.list({
              limit,
              plugin: text(req.query.plugin),
              actor: text(req.query.actor),
            }),
          });
        });
        const errors: ErrorRequestHandler = (err, _req, res, next) => {
          const status = (
            {
              InputError: 400,
              NotAllowedError: 403,
              AuthenticationError: 401,
            } as Record<string, number>
          )[err?.name];
          if (!status) return next(err);
          return res
            .status(status)
            .json({ error: { name: err.name, message: err.message } });
        };
        router.use(errors);
        httpRouter.use(router);
      },
    });
  },
});
