/** Grafana, Prometheus and Alertmanager in the monitoring namespace. */
import { repoRoot } from '@internal/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ruleGroups } from '../rules';
import {
  claim,
  claimVolume,
  configMap,
  confined,
  Context,
  dependencyOrNull,
  env,
  httpProbe,
  image,
  Model,
  mount,
  nonRootPod,
  pvc,
  resourcesOf,
  routeHost,
  secretEnv,
  serviceOf,
  servicePorts,
  singleDeployment,
  statefulSet,
} from './kit';

export function grafana(c: Context): Model[] {
  const { w } = c;
  const host = routeHost('grafana');
  const issuer = `https://${routeHost('authelia')}`;
  const prometheus = c.plan.workloads.find(x => x.name === 'prometheus');
  return [
    serviceOf(w, servicePorts(w)),
    pvc(w, 'grafana-data', '2Gi'),
    configMap(w, 'grafana-datasources', {
      'prometheus.yaml': stringify({
        apiVersion: 1,
        datasources: [
          {
            name: 'Prometheus',
            type: 'prometheus',
            access: 'proxy',
            isDefault: true,
            url: `http://prometheus.${
              prometheus?.namespace ?? w.namespace
            }.svc.cluster.local:${prometheus?.sizing.port ?? 9090}`,
          },
        ],
      }),
    }),
    singleDeployment(c, {
      securityContext: nonRootPod(472),
      containers: [
        {
          name: 'grafana',
          image: image('GRAFANA_IMAGE'),
          env: [
            ...env({
              GF_SERVER_ROOT_URL: `https://${host}`,
              GF_SERVER_HTTP_PORT: String(w.sizing.port),
              GF_ANALYTICS_REPORTING_ENABLED: 'false',
              GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
              GF_AUTH_DISABLE_LOGIN_FORM: 'true',
              GF_AUTH_GENERIC_OAUTH_ENABLED: 'true',
              GF_AUTH_GENERIC_OAUTH_NAME: 'uyoop SSO',
              GF_AUTH_GENERIC_OAUTH_CLIENT_ID: 'grafana',
              GF_AUTH_GENERIC_OAUTH_SCOPES: 'openid profile email groups',
              GF_AUTH_GENERIC_OAUTH_AUTH_URL: `${issuer}/api/oidc/authorization`,
              GF_AUTH_GENERIC_OAUTH_TOKEN_URL: `${issuer}/api/oidc/token`,
              GF_AUTH_GENERIC_OAUTH_API_URL: `${issuer}/api/oidc/userinfo`,
              GF_AUTH_GENERIC_OAUTH_USE_PKCE: 'true',
              GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH: 'preferred_username',
              GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH: 'groups',
              GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH:
                "contains(groups[*], 'admins') && 'Admin' || contains(groups[*], 'finance') && 'Editor' || 'Viewer'",
              GF_AUTH_SIGNOUT_REDIRECT_URL: `${issuer}/logout`,
            }),
            secretEnv(
              'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET',
              'grafana',
              'oidc-client-secret',
            ),
            secretEnv(
              'GF_SECURITY_ADMIN_PASSWORD',
              'grafana',
              'admin-password',
            ),
          ],
          ports: [{ name: 'http', containerPort: w.sizing.port! }],
          readinessProbe: httpProbe('/api/health', w.sizing.port!),
          resources: resourcesOf(w.sizing),
          securityContext: confined,
          volumeMounts: [
            mount('data', '/var/lib/grafana'),
            mount('datasources', '/etc/grafana/provisioning/datasources', true),
          ],
        },
      ],
      volumes: [
        claimVolume('data', 'grafana-data'),
        { name: 'datasources', configMap: { name: 'grafana-datasources' } },
      ],
    }),
  ];
}

/** Where Prometheus reads its secrets: the Secret `prometheus`, one file per key. */
const PROMETHEUS_SECRETS = '/etc/prometheus/secrets';

/**
 * Prometheus's scrape jobs: the node exporters on the mesh (job `node`, as
 * the alert rules select), every rendered workload's metrics port through
 * its Service, and the portal's FinOps job as infra/monitoring commits it.
 */
function scrapeConfigs(c: Context) {
  const rendered = c.plan.workloads.filter(
    w => c.rendered(w.name) && w.sizing.metricsPort !== undefined,
  );
  const finops = parse(
    readFileSync(
      join(
        repoRoot,
        'infra',
        'monitoring',
        'prometheus',
        'scrape',
        'finops.yml',
      ),
      'utf8',
    ),
  ) as { scrape_configs: Record<string, unknown>[] };
  return [
    {
      job_name: 'node',
      static_configs: c.platform.nodes.map(n => ({
        targets: [`${n.meshAddress}:9100`],
        labels: { node: n.name },
      })),
    },
    ...rendered.map(w => ({
      job_name: w.name,
      static_configs: [
        {
          targets: [
            `${w.name}.${w.namespace}.svc.cluster.local:${w.sizing.metricsPort}`,
          ],
          labels: { namespace: w.namespace, node: w.node },
        },
      ],
      // Qdrant asks its API key on every route but the health checks.
      ...(w.name === 'qdrant'
        ? {
            authorization: {
              type: 'Bearer',
              credentials_file: `${PROMETHEUS_SECRETS}/qdrant-api-key`,
            },
          }
        : {}),
    })),
    ...finops.scrape_configs,
  ];
}

export function prometheus(c: Context): Model[] {
  const { w } = c;
  const alertmanager = dependencyOrNull(c, 'alertmanager');
  const config = {
    global: { scrape_interval: '30s', evaluation_interval: '30s' },
    rule_files: ['/etc/prometheus/rules/*.yml'],
    alerting: alertmanager
      ? {
          alertmanagers: [
            {
              static_configs: [
                {
                  targets: [
                    `alertmanager.${alertmanager.namespace}.svc.cluster.local:${alertmanager.sizing.port}`,
                  ],
                },
              ],
            },
          ],
        }
      : undefined,
    scrape_configs: scrapeConfigs(c),
  };
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'prometheus', {
      'prometheus.yml': stringify(config, { lineWidth: 0 }),
    }),
    // The rule groups of infra/monitoring/prometheus/rules/platform.rules.yml.
    configMap(w, 'prometheus-rules', {
      'platform.rules.yml': stringify(
        { groups: ruleGroups(c.platform) },
        { lineWidth: 0 },
      ),
    }),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(65534),
        containers: [
          {
            name: 'prometheus',
            image: image('PROMETHEUS_IMAGE'),
            args: [
              '--config.file=/etc/prometheus/config/prometheus.yml',
              '--storage.tsdb.path=/prometheus',
              '--storage.tsdb.retention.time=30d',
              '--storage.tsdb.retention.size=15GB',
              `--web.listen-address=:${w.sizing.port}`,
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/-/ready', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            volumeMounts: [
              mount('data', '/prometheus'),
              mount('config', '/etc/prometheus/config', true),
              mount('rules', '/etc/prometheus/rules', true),
              mount('secrets', PROMETHEUS_SECRETS, true),
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'prometheus' } },
          { name: 'rules', configMap: { name: 'prometheus-rules' } },
          {
            name: 'secrets',
            secret: {
              secretName: 'prometheus',
              defaultMode: 0o400,
              items: ['finops-metrics-token', 'qdrant-api-key'].map(key => ({
                key,
                path: key,
              })),
            },
          },
        ],
      },
      [claim('data', '20Gi')],
    ),
  ];
}

export function alertmanager(c: Context): Model[] {
  const { w } = c;
  const host = routeHost('alertmanager');
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(65534),
        containers: [
          {
            name: 'alertmanager',
            image: image('ALERTMANAGER_IMAGE'),
            args: [
              // Written by `yarn uyoop k8s alertmanager-config`: it holds the Discord webhook.
              '--config.file=/etc/alertmanager/alertmanager.yml',
              '--storage.path=/alertmanager',
              `--web.listen-address=:${w.sizing.port}`,
              `--web.external-url=https://${host}`,
              // One replica: no gossip cluster.
              '--cluster.listen-address=',
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/-/ready', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: { ...confined, readOnlyRootFilesystem: true },
            volumeMounts: [
              mount('data', '/alertmanager'),
              mount('config', '/etc/alertmanager', true),
            ],
          },
        ],
        volumes: [
          {
            name: 'config',
            secret: {
              secretName: 'alertmanager',
              defaultMode: 0o400,
              items: [{ key: 'alertmanager.yml', path: 'alertmanager.yml' }],
            },
          },
        ],
      },
      [claim('data', '1Gi')],
    ),
  ];
}
