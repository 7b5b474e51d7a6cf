import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { oidcAuthApi } from './oidcAuthApi';

/** Replaces the app's default (guest only) sign-in page. */
const signInPage = SignInPageBlueprint.make({
  params: { loader: async () => (await import('./SignIn')).SignIn },
});

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [signInPage, oidcAuthApi],
});

export { oidcAuthApiRef } from './oidcAuthApi';
