import { SignInPage, WarningPanel } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import { Typography } from '@material-ui/core';
import { oidcAuthApiRef } from './oidcAuthApi';

export const SSO_PROVIDER = {
  id: 'oidc',
  title: 'uyoop SSO',
  message: 'Sign in with your uyoop account (Authelia, with two factors)',
  apiRef: oidcAuthApiRef,
};

/**
 * What the sign-in page shows when the backend refuses someone: the reason it
 * gave (for a person missing from the catalog, who to ask), not a stack.
 */
export const SignInRefusal = ({ error }: { error?: Error }) =>
  error ? (
    <WarningPanel
      severity="error"
      title="The portal cannot sign you in"
      defaultExpanded
    >
      <Typography variant="body1">{error.message}</Typography>
    </WarningPanel>
  ) : null;

/**
 * The sign-in page: the providers `app.signInProviders` names (default:
 * guest). With the SSO alone, its card shows a refusal in place.
 */
export const SignIn = (props: SignInPageProps) => {
  const config = useApi(configApiRef);
  const names = config.getOptionalStringArray('app.signInProviders') ?? [
    'guest',
  ];
  const providers = names.map(name => {
    if (name === 'guest') return 'guest' as const;
    if (name === 'oidc') return SSO_PROVIDER;
    throw new Error(
      `app.signInProviders: unknown provider "${name}"; use guest or oidc`,
    );
  });
  if (providers.length === 1 && providers[0] !== 'guest')
    return (
      <SignInPage
        {...props}
        provider={providers[0]}
        ErrorComponent={SignInRefusal}
      />
    );
  return (
    <SignInPage
      {...props}
      title="uyoop portal"
      align="center"
      providers={providers}
    />
  );
};
