import express from 'express';
import Router from 'express-promise-router';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import type { ReachabilityReport } from '@internal/plugin-uyoop-platform-common';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  /** The report, computed once; a rejection is answered with 503. */
  reachability: () => Promise<ReachabilityReport>;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, reachability } = options;
  const router = Router();

  router.get('/reachability', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    let report: ReachabilityReport;
    try {
      report = await reachability();
    } catch (e) {
      throw new ServiceUnavailableError(
        `the reachability matrix could not be computed from the catalog: ${
          (e as Error).message
        }`,
      );
    }
    res.json(report);
  });

  return router;
}
