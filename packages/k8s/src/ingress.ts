/**
 * Traefik routes and cert-manager certificates for every web UI. Each
 * namespace that publishes a UI holds its own Middlewares (Traefik does not
 * follow cross-namespace references unless told to) and one Certificate for
 * its hosts, issued by Let's Encrypt over HTTP-01 through Traefik.
 */
import {
  Certificate,
  ClusterIssuer,
} from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import {
  IngressRoute,
  Middleware,
} from '@kubernetes-models/traefik/traefik.io/v1alpha1';
import { MANAGED_BY } from './namespaces';
import type { ClusterPlan } from './plan';
import {
  ACME_EMAIL,
  AUTHELIA_VERIFY_URL,
  Exposure,
} from './profiles';

export const MIDDLEWARES = {
  auth: 'authelia-forward-auth',
  headers: 'security-headers',
  rateLimit: 'rate-limit',
} as const;

export const ISSUERS = {
  staging: {
    name: 'letsencrypt-staging',
    server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  },
  production: {
    name: 'letsencrypt-production',
    server: 'https://acme-v02.api.letsencrypt.org/directory',
  },
} as const;

/**
 * An ACME ClusterIssuer that answers HTTP-01 through Traefik. `caBundle` (PEM)
 * is for a directory whose TLS is not publicly trusted (a test ACME server).
 */
export function acmeClusterIssuer(
  name: string,
  server: string,
  caBundle?: string,
) {
  return new ClusterIssuer({
    metadata: { name, labels: MANAGED_BY },
    spec: {
      acme: {
        server,
        email: ACME_EMAIL,
        privateKeySecretRef: { name: `${name}-account` },
        ...(caBundle
          ? { caBundle: Buffer.from(caBundle).toString('base64') }
          : {}),
        // ClusterIP: the namespaces' quotas allow no NodePort (cert-manager's default).
        solvers: [
          {
            http01: {
              ingress: {
                ingressClassName: 'traefik',
                serviceType: 'ClusterIP',
              },
            },
          },
        ],
      },
    },
  });
}

export function clusterIssuers() {
  return Object.values(ISSUERS).map(issuer =>
    acmeClusterIssuer(issuer.name, issuer.server),
  );
}

function middlewares(namespace: string) {
  const metadata = (name: string) => ({ name, namespace, labels: MANAGED_BY });
  return [
    new Middleware({
      metadata: metadata(MIDDLEWARES.auth),
      spec: {
        forwardAuth: {
          address: AUTHELIA_VERIFY_URL,
          trustForwardHeader: true,
          authResponseHeaders: [
            'Remote-User',
            'Remote-Groups',
            'Remote-Email',
            'Remote-Name',
          ],
        },
      },
    }),
    new Middleware({
      metadata: metadata(MIDDLEWARES.headers),
      spec: {
        headers: {
          stsSeconds: 31536000,
          stsIncludeSubdomains: true,
          stsPreload: true,
          forceSTSHeader: true,
          contentTypeNosniff: true,
          browserXssFilter: true,
          frameDeny: true,
          referrerPolicy: 'strict-origin-when-cross-origin',
          permissionsPolicy: 'camera=(), microphone=(), geolocation=()',
        },
      },
    }),
    new Middleware({
      metadata: metadata(MIDDLEWARES.rateLimit),
      spec: { rateLimit: { average: 50, period: '1s', burst: 100 } },
    }),
  ];
}

const hostMatch = (hosts: string[]) =>
  hosts.map(h => `Host(\`${h}\`)`).join(' || ');

function routes(e: Exposure, namespace: string, port: number) {
  const service = [{ name: e.service, port, kind: 'Service' as const }];
  const hosts = hostMatch(e.hosts);
  const guarded = [
    { name: MIDDLEWARES.rateLimit },
    { name: MIDDLEWARES.headers },
    ...(e.identityProvider ? [] : [{ name: MIDDLEWARES.auth }]),
  ];
  const open = [{ name: MIDDLEWARES.rateLimit }, { name: MIDDLEWARES.headers }];
  const list = e.publicPaths
    ? [
        // The longer, guarded rule wins over the public prefix in Traefik's priority.
        ...e.publicPaths.map(p => ({
          kind: 'Rule' as const,
          match: `(${hosts}) && PathPrefix(\`${p}\`)`,
          middlewares: open,
          services: service,
        })),
        ...(e.guardedPaths ?? []).map(p => ({
          kind: 'Rule' as const,
          match: `(${hosts}) && PathPrefix(\`${p}\`)`,
          middlewares: guarded,
          services: service,
          priority: 1000,
        })),
      ]
    : [
        {
          kind: 'Rule' as const,
          match: hosts,
          middlewares: guarded,
          services: service,
        },
      ];
  return new IngressRoute({
    metadata: { name: e.service, namespace, labels: MANAGED_BY },
    spec: {
      entryPoints: ['websecure'],
      routes: list,
      tls: { secretName: `${namespace}-tls` },
    },
  });
}

/** Middlewares, IngressRoutes and the Certificate of each namespace that publishes a UI. */
export function ingressObjects(plan: ClusterPlan) {
  const namespaces = [
    ...new Set(
      plan.profiles.exposures.map(
        e => plan.workloads.find(w => w.name === e.service)!.namespace,
      ),
    ),
  ].sort();
  return namespaces.flatMap(namespace => {
    const here = plan.profiles.exposures.filter(
      e =>
        plan.workloads.find(w => w.name === e.service)!.namespace === namespace,
    );
    return [
      ...middlewares(namespace),
      ...here.map(e =>
        routes(
          e,
          namespace,
          plan.workloads.find(w => w.name === e.service)!.sizing.port!,
        ),
      ),
      new Certificate({
        metadata: { name: `${namespace}-tls`, namespace, labels: MANAGED_BY },
        spec: {
          secretName: `${namespace}-tls`,
          dnsNames: here.flatMap(e => e.hosts),
          issuerRef: { kind: 'ClusterIssuer', name: ISSUERS.production.name },
          privateKey: {
            algorithm: 'ECDSA',
            size: 256,
            rotationPolicy: 'Always',
          },
        },
      }),
    ];
  });
}
