export interface Config {
  app?: {
    /**
     * The ways to sign in that the portal's sign-in page offers, in order:
     * `guest` (the embedded default and the testbed) or `oidc` (the
     * platform's SSO, Authelia, shown as "uyoop SSO"). Without it: guest.
     * @visibility frontend
     */
    signInProviders?: Array<'guest' | 'oidc'>;
  };
}
