/**
 * Sign-in through the platform's OIDC provider (Authelia in production), as a
 * module of the auth plugin: the verified email of the OIDC profile must be
 * the `spec.profile.email` of a catalog User, whose groups (`memberOf`) become
 * the ownership claims the permission policy decides on. Anyone else is
 * refused with a message that says what to do. Each sign-in, granted or
 * refused, leaves an audit record.
 */
import {
  AuditorService,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { oidcAuthenticator } from '@backstage/plugin-auth-backend-module-oidc-provider';
import {
  authProvidersExtensionPoint,
  createOAuthProviderFactory,
  SignInResolver,
} from '@backstage/plugin-auth-node';

/** Maps the OIDC email to a catalog User; refuses clearly when there is none. */
export function catalogUserByEmail(
  auditor?: AuditorService,
): SignInResolver<unknown> {
  return async ({ profile }, ctx) => {
    const email = profile.email;
    const event = await auditor?.createEvent({
      eventId: 'sign-in',
      severityLevel: 'medium',
      meta: { provider: 'oidc', email: email ?? null },
    });
    try {
      if (!email) {
        throw new NotAllowedError(
          'The identity provider gave no verified email address; the portal matches people to the catalog by email.',
        );
      }
      let result;
      try {
        result = await ctx.signInWithCatalogUser({
          filter: { 'spec.profile.email': email },
        });
      } catch (error) {
        if ((error as Error).name !== 'NotFoundError') throw error;
        throw new NotAllowedError(
          `${email} is not a user of the uyoop catalog, so the portal cannot sign you in. Ask a platform admin to add you to catalog/org.yaml.`,
        );
      }
      await event?.success();
      return result;
    } catch (error) {
      await event?.fail({ error: error as Error });
      throw error;
    }
  };
}

export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'uyoop-oidc-sign-in',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        auditor: coreServices.auditor,
      },
      async init({ providers, auditor }) {
        providers.registerProvider({
          providerId: 'oidc',
          factory: createOAuthProviderFactory({
            authenticator: oidcAuthenticator,
            signInResolver: catalogUserByEmail(auditor),
          }),
        });
      },
    });
  },
});
