/**
 * Every plugin's `coreServices.auditor`: each event is logged as the default
 * auditor logs it (`<plugin>.<event>` with `isAuditEvent`, the error apart), and each finished
 * one is also kept in the audit trail's table (./trail).
 */
import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { DefaultAuditorService } from '@backstage/backend-defaults/auditor';
import { auditTrailServiceRef } from './trail';

type Meta = Parameters<LoggerService['child']>[0];

export const auditorServiceFactory = createServiceFactory({
  service: coreServices.auditor,
  deps: {
    logger: coreServices.logger,
    auth: coreServices.auth,
    httpAuth: coreServices.httpAuth,
    plugin: coreServices.pluginMetadata,
    trail: auditTrailServiceRef,
  },
  factory({ logger, auth, httpAuth, plugin, trail }) {
    const auditLogger = logger.child({ isAuditEvent: true });
    return DefaultAuditorService.create(
      async event => {
        // As the default auditor logs: low severity at debug, the rest at info.
        const level = event.severityLevel === 'low' ? 'debug' : 'info';
        if ('error' in event) {
          const { error, ...rest } = event;
          auditLogger
            .child(rest as Meta)
            [level](`${event.plugin}.${event.eventId}`, error);
        } else {
          auditLogger[level](`${event.plugin}.${event.eventId}`, event as Meta);
        }
        await trail
          .record(event)
          .catch(error =>
            logger.error(
              `audit: could not store ${event.plugin}.${event.eventId}: ${
                (error as Error).message
              }`,
            ),
          );
      },
      { auth, httpAuth, plugin },
    );
  },
});

export default auditorServiceFactory;
