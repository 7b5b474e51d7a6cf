/** Authelia: SSO, two factors (TOTP, WebAuthn) and the OpenID Connect provider of the platform's applications. */
import type { IEnvVar } from 'kubernetes-models/v1';
import { stringify } from 'yaml';
import { DOMAIN } from '../profiles';
import {
  claimVolume,
  configMap,
  confined,
  Context,
  dependency,
  env,
  httpProbe,
  image,
  Model,
  mount,
  nonRootPod,
  pvc,
  resourcesOf,
  routeHost,
  serviceHost,
  serviceOf,
  servicePorts,
  singleDeployment,
} from './kit';

/** The applications that sign in through Authelia's OpenID Connect provider. */
export const OIDC_CLIENTS: {
  id: string;
  service: string;
  /** Path of the redirect URI on the service's route host. */
  callback: string;
  name: string;
  /** How the application sends its secret to the token endpoint. */
  auth?: 'client_secret_post';
  /** The application sends a PKCE challenge (S256), so Authelia can demand one. */
  pkce?: boolean;
}[] = [
  {
    id: 'portal',
    service: 'uyoop-portal',
    callback: '/api/auth/oidc/handler/frame',
    name: 'uyoop portal',
  },
  {
    id: 'nextcloud',
    service: 'nextcloud',
    callback: '/apps/user_oidc/code',
    name: 'Nextcloud',
    auth: 'client_secret_post',
  },
  {
    id: 'gitlab',
    service: 'gitlab',
    callback: '/users/auth/openid_connect/callback',
    name: 'GitLab',
    pkce: true,
  },
  // Ghost has no OpenID Connect sign-in of its own: /ghost sits behind
  // forwardAuth. The client is registered for an OIDC-aware front of its
  // admin area and for the members' sign-in once Ghost offers one.
  {
    id: 'ghost',
    service: 'ghost',
    callback: '/ghost/oidc/callback',
    name: 'Ghost',
  },
  {
    id: 'grafana',
    service: 'grafana',
    callback: '/login/generic_oauth',
    name: 'Grafana',
    pkce: true,
  },
];

/** Authelia's configuration: secrets are files of the mounted Secrets, read through its template filter. */
function autheliaConfig(c: Context) {
  const secret = (file: string) => `{{ secret "/secrets/${file}" }}`;
  const mailcow = c.plan.workloads.find(x => x.name === 'mailcow');
  const smtpNode = c.platform.nodes.find(
    n => n.name === (mailcow?.node ?? c.w.node),
  )!;
  const domain = DOMAIN;
  return {
    theme: 'auto',
    server: { address: `tcp://0.0.0.0:${c.w.sizing.port}/` },
    log: { level: 'info', format: 'json' },
    telemetry: {
      metrics: {
        enabled: true,
        address: `tcp://0.0.0.0:${c.w.sizing.metricsPort}/metrics`,
      },
    },
    totp: { issuer: domain, algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
    webauthn: { disable: false, display_name: 'uyoop' },
    // Users and their password hashes: a file of the Secret authelia-users (no LDAP server:
    // Mailcow only reads one). Changes go through SOPS, not the UI.
    authentication_backend: {
      password_reset: { disable: true },
      file: {
        path: '/users/users_database.yml',
        watch: true,
        password: { algorithm: 'argon2' },
      },
    },
    access_control: {
      default_policy: 'deny',
      rules: [
        { domain: [`auth.${domain}`], policy: 'bypass' },
        // Dashboards for admins and finance (FinOps), alerts for admins; the first matching rule applies.
        {
          domain: [`grafana.${domain}`],
          subject: [['group:admins'], ['group:finance']],
          policy: 'two_factor',
        },
        {
          domain: [`alerts.${domain}`],
          subject: ['group:admins'],
          policy: 'two_factor',
        },
        { domain: [`grafana.${domain}`, `alerts.${domain}`], policy: 'deny' },
        { domain: [domain, `*.${domain}`], policy: 'two_factor' },
      ],
    },
    session: {
      name: 'uyoop_session',
      expiration: '1h',
      inactivity: '15m',
      remember_me: '1M',
      cookies: [
        {
          domain,
          authelia_url: `https://${routeHost('authelia')}`,
          default_redirection_url: `https://${routeHost('uyoop-portal')}`,
        },
      ],
      redis: {
        host: serviceHost(c, 'authelia-redis'),
        port: dependency(c, 'authelia-redis').sizing.port ?? 6379,
      },
    },
    regulation: { max_retries: 3, find_time: '2m', ban_time: '10m' },
    // TOTP secrets, WebAuthn devices and consents: SQLite on the pod's volume, encrypted.
    storage: { local: { path: '/data/db.sqlite3' } },
    notifier: {
      disable_startup_check: true,
      smtp: {
        address: `submission://${smtpNode.meshAddress}:587`,
        sender: `uyoop SSO <sso@${domain}>`,
        username: `sso@${domain}`,
        tls: { server_name: smtpNode.publicHost },
      },
    },
    identity_providers: {
      oidc: {
        // The signing key (jwks) is in the second configuration file, /secrets/oidc-jwks.yml.
        cors: {
          endpoints: [
            'authorization',
            'token',
            'revocation',
            'introspection',
            'userinfo',
          ],
        },
        clients: OIDC_CLIENTS.map(client => ({
          client_id: client.id,
          client_name: client.name,
          // A PBKDF2 digest, not the secret: the application holds the secret itself.
          client_secret: secret(`oidc-client-${client.id}.digest`),
          public: false,
          authorization_policy: 'two_factor',
          require_pkce: client.pkce === true,
          ...(client.pkce ? { pkce_challenge_method: 'S256' } : {}),
          redirect_uris: [
            `https://${routeHost(client.service)}${client.callback}`,
          ],
          scopes: ['openid', 'profile', 'email', 'groups'],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          userinfo_signed_response_alg: 'none',
          token_endpoint_auth_method: client.auth ?? 'client_secret_basic',
        })),
      },
    },
  };
}

/** The files of the Secret `authelia`, each mounted under /secrets. */
export const AUTHELIA_SECRET_KEYS = [
  'jwt-secret',
  'session-secret',
  'storage-encryption-key',
  'smtp-password',
  'oidc-hmac-secret',
  'oidc-jwks.yml',
  ...OIDC_CLIENTS.map(c => `oidc-client-${c.id}.digest`),
];

export function authelia(c: Context): Model[] {
  const { w } = c;
  const fileEnv = (name: string, file: string): IEnvVar => ({
    name,
    value: `/secrets/${file}`,
  });
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'authelia', {
      // Single quotes keep the template filter's double quotes intact.
      'configuration.yml': stringify(autheliaConfig(c), {
        lineWidth: 0,
        singleQuote: true,
      }),
    }),
    pvc(w, 'authelia-data', '1Gi'),
    singleDeployment(c, {
      securityContext: nonRootPod(8000),
      containers: [
        {
          name: 'authelia',
          image: image('AUTHELIA_IMAGE'),
          command: ['authelia'],
          args: [
            '--config',
            '/config/configuration.yml',
            '--config',
            '/secrets/oidc-jwks.yml',
          ],
          env: [
            ...env({
              X_AUTHELIA_CONFIG_FILTERS: 'template',
              TZ: 'Europe/Paris',
            }),
            fileEnv(
              'AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE',
              'jwt-secret',
            ),
            fileEnv('AUTHELIA_SESSION_SECRET_FILE', 'session-secret'),
            fileEnv('AUTHELIA_SESSION_REDIS_PASSWORD_FILE', 'redis-password'),
            fileEnv(
              'AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE',
              'storage-encryption-key',
            ),
            fileEnv('AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE', 'smtp-password'),
            fileEnv(
              'AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET_FILE',
              'oidc-hmac-secret',
            ),
          ],
          ports: [
            { name: 'http', containerPort: w.sizing.port! },
            { name: 'metrics', containerPort: w.sizing.metricsPort! },
          ],
          readinessProbe: httpProbe('/api/health', w.sizing.port!),
          resources: resourcesOf(w.sizing),
          securityContext: { ...confined, readOnlyRootFilesystem: true },
          volumeMounts: [
            mount('config', '/config', true),
            mount('secrets', '/secrets', true),
            mount('users', '/users', true),
            mount('data', '/data'),
            mount('tmp', '/tmp'),
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'authelia' } },
        {
          name: 'secrets',
          projected: {
            defaultMode: 0o400,
            sources: [
              {
                secret: {
                  name: 'authelia',
                  items: AUTHELIA_SECRET_KEYS.map(key => ({ key, path: key })),
                },
              },
              // The session store's own password, from the Secret Redis reads.
              {
                secret: {
                  name: 'authelia-redis',
                  items: [{ key: 'password', path: 'redis-password' }],
                },
              },
            ],
          },
        },
        {
          name: 'users',
          secret: {
            secretName: 'authelia-users',
            defaultMode: 0o400,
            items: [{ key: 'users_database.yml', path: 'users_database.yml' }],
          },
        },
        claimVolume('data', 'authelia-data'),
        { name: 'tmp', emptyDir: {} },
      ],
    }),
  ];
}
