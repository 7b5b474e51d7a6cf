/*
 * A local OpenID Provider (the certified `oidc-provider` package) configured
 * as Authelia is for the portal: authorization code with PKCE, the openid,
 * email, profile and groups scopes, client_secret_basic. Its own login page
 * takes any password for the accounts it is given (OIDC_ACCOUNTS, JSON:
 * { login: { email, name, groups } }). Prints "listening" when ready.
 *
 * Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
 * OIDC_REDIRECT_URI, OIDC_ACCOUNTS.
 */
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const env = name => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const port = Number(env('OIDC_PORT'));
const accounts = JSON.parse(env('OIDC_ACCOUNTS'));

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // The portal keeps its session with a refresh token, as with Authelia.
  issueRefreshToken: async (_ctx, client) =>
    client.grantTypeAllowed('refresh_token'),
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          preferred_username: id,
          groups: account.groups ?? [],
        };
      },
    };
  },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
