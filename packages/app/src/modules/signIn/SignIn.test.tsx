import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen } from '@testing-library/react';
import { SignIn } from './SignIn';
import { oidcAuthApiRef } from './oidcAuthApi';

// Rendering the test app takes seconds on a loaded machine.
jest.setTimeout(60_000);
const slow = { timeout: 20_000 };

const REFUSAL =
  'stranger@test.uyoop.fr is not a user of the uyoop catalog, so the portal cannot sign you in. Ask a platform admin to add you to catalog/org.yaml.';

/** The SSO as the backend answers someone the catalog does not know. */
const refusingSso = {
  getBackstageIdentity: async (options?: { instantPopup?: boolean }) => {
    if (!options?.instantPopup) return undefined; // no session yet
    const error = new Error(REFUSAL);
    error.name = 'NotAllowedError';
    throw error;
  },
  getProfile: async () => undefined,
  signIn: async () => {},
  signOut: async () => {},
  sessionState$: () => ({ subscribe: () => ({ unsubscribe() {} }) }),
  getAccessToken: async () => '',
  getIdToken: async () => '',
} as any;

describe('the portal sign-in page', () => {
  it('offers the uyoop SSO alone when app.signInProviders says oidc, and shows a refusal box', async () => {
    await renderInTestApp(<SignIn onSignInSuccess={jest.fn()} />, {
      config: { app: { title: 'uyoop portal', signInProviders: ['oidc'] } },
      apis: [[oidcAuthApiRef, refusingSso]],
    });
    expect(await screen.findByText('uyoop SSO', {}, slow)).toBeInTheDocument();
    expect(screen.queryByText(/guest/i)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Sign In' }));
    expect(
      await screen.findByText(/The portal cannot sign you in/, {}, slow),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(REFUSAL);
  });
});
