/** The DevOps factory: GitLab CE as one Omnibus container, and its runners on ai-lab. */
import {
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import {
  claim,
  configMap,
  confined,
  Context,
  env,
  httpProbe,
  image,
  meta,
  Model,
  mount,
  nonRootPod,
  POD_CIDR,
  resourcesOf,
  routeHost,
  s3Of,
  secretEnv,
  serviceHost,
  serviceOf,
  servicePorts,
  singleDeployment,
  startup,
  statefulSet,
  tcpProbe,
} from './kit';

/** GITLAB_OMNIBUS_CONFIG: Ruby lines of gitlab.rb; secrets are read from the environment. */
function omnibusConfig(c: Context): string {
  const s3 = s3Of(c.platform, 'ci-artifacts');
  const issuer = `https://${routeHost('authelia')}`;
  const lines = [
    `external_url 'https://${routeHost('gitlab')}'`,
    // TLS ends at Traefik; the container serves plain HTTP on 80.
    "nginx['listen_port'] = 80",
    "nginx['listen_https'] = false",
    `nginx['real_ip_trusted_addresses'] = ['${POD_CIDR}']`,
    "nginx['real_ip_header'] = 'X-Forwarded-For'",
    "letsencrypt['enable'] = false",
    // No container registry: the catalog declares none.
    "registry['enable'] = false",
    "gitlab_rails['registry_enabled'] = false",
    // The bundled PostgreSQL (catalog: gitlab-db) on the data volume, on NVMe.
    "postgresql['shared_buffers'] = '256MB'",
    "puma['worker_processes'] = 2",
    "sidekiq['concurrency'] = 10",
    // Prometheus runs in monitoring: the bundled one and its exporters stay off, except GitLab's own.
    "prometheus_monitoring['enable'] = false",
    "gitlab_exporter['enable'] = true",
    `gitlab_exporter['listen_address'] = '0.0.0.0'`,
    `gitlab_exporter['listen_port'] = '${c.w.sizing.metricsPort}'`,
    `gitlab_rails['monitoring_whitelist'] = ['127.0.0.0/8', '${POD_CIDR}']`,
    // CI artifacts on S3 (catalog: ci-artifacts), the rest on the data volume.
    "gitlab_rails['object_store']['enabled'] = true",
    "gitlab_rails['object_store']['proxy_download'] = false",
    `gitlab_rails['object_store']['connection'] = { 'provider' => 'AWS', 'region' => '${s3.region}', 'endpoint' => 'https://${s3.host}', 'path_style' => true, 'aws_access_key_id' => ENV['S3_ACCESS_KEY_ID'], 'aws_secret_access_key' => ENV['S3_SECRET_ACCESS_KEY'] }`,
    `gitlab_rails['object_store']['objects']['artifacts']['bucket'] = '${s3.bucket}'`,
    ...[
      'external_diffs',
      'lfs',
      'uploads',
      'packages',
      'dependency_proxy',
      'terraform_state',
      'ci_secure_files',
      'pages',
    ].map(
      o => `gitlab_rails['object_store']['objects']['${o}']['enabled'] = false`,
    ),
    // Sign-in through Authelia (OpenID Connect).
    "gitlab_rails['omniauth_allow_single_sign_on'] = ['openid_connect']",
    "gitlab_rails['omniauth_block_auto_created_users'] = false",
    "gitlab_rails['omniauth_auto_link_user'] = ['openid_connect']",
    `gitlab_rails['omniauth_providers'] = [{ 'name' => 'openid_connect', 'label' => 'uyoop SSO', 'args' => { 'name' => 'openid_connect', 'scope' => ['openid', 'profile', 'email', 'groups'], 'response_type' => 'code', 'issuer' => '${issuer}', 'discovery' => true, 'client_auth_method' => 'basic', 'uid_field' => 'preferred_username', 'pkce' => true, 'client_options' => { 'identifier' => 'gitlab', 'secret' => ENV['OIDC_CLIENT_SECRET'], 'redirect_uri' => 'https://${routeHost(
      'gitlab',
    )}/users/auth/openid_connect/callback' } } }]`,
    // Mail needs the node's SMTP port, which devops-factory's policies do not open.
    "gitlab_rails['gitlab_email_enabled'] = false",
  ];
  return lines.join('\n');
}

export function gitlab(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'gitlab-omnibus', { 'gitlab.rb': omnibusConfig(c) }),
    statefulSet(
      c,
      {
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'gitlab',
            image: image('GITLAB_IMAGE'),
            env: [
              {
                name: 'GITLAB_OMNIBUS_CONFIG',
                valueFrom: {
                  configMapKeyRef: { name: 'gitlab-omnibus', key: 'gitlab.rb' },
                },
              },
              secretEnv('GITLAB_ROOT_PASSWORD', 'gitlab', 'root-password'),
              secretEnv('S3_ACCESS_KEY_ID', 'gitlab-s3', 'access-key-id'),
              secretEnv(
                'S3_SECRET_ACCESS_KEY',
                'gitlab-s3',
                'secret-access-key',
              ),
              secretEnv('OIDC_CLIENT_SECRET', 'gitlab', 'oidc-client-secret'),
            ],
            ports: [
              { name: 'http', containerPort: 80 },
              { name: 'metrics', containerPort: w.sizing.metricsPort! },
            ],
            startupProbe: startup(httpProbe('/-/readiness', 80), 15),
            readinessProbe: httpProbe('/-/readiness', 80, 15),
            livenessProbe: {
              ...httpProbe('/-/liveness', 80, 30),
              failureThreshold: 5,
            },
            resources: resourcesOf(w.sizing),
            securityContext: { privileged: false },
            volumeMounts: [
              mount('config', '/etc/gitlab'),
              mount('logs', '/var/log/gitlab'),
              mount('data', '/var/opt/gitlab'),
              mount('shm', '/dev/shm'),
            ],
          },
        ],
        volumes: [
          { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
        ],
      },
      [claim('config', '1Gi'), claim('logs', '5Gi'), claim('data', '50Gi')],
    ),
  ];
}

/** The runner's config.toml, completed at registration with its token. */
function runnerConfig(c: Context): string {
  const node = c.platform.nodes.find(n => n.name === c.w.node)!;
  const toml = [
    '[[runners]]',
    '  [runners.kubernetes]',
    `    namespace = "${c.w.namespace}"`,
    '    service_account = "gitlab-runner-jobs"',
    '    poll_timeout = 600',
    '    cpu_request = "100m"',
    '    memory_request = "256Mi"',
    '    cpu_limit = "1"',
    '    memory_limit = "1Gi"',
    '    [runners.kubernetes.node_selector]',
    `      "kubernetes.io/hostname" = "${node.name}"`,
    ...(node.taints.length
      ? [
          '    [runners.kubernetes.node_tolerations]',
          ...node.taints.map(
            t => `      "${t.key}=${t.value}" = "${t.effect}"`,
          ),
        ]
      : []),
    '    [runners.kubernetes.pod_security_context]',
    '      run_as_non_root = true',
    '      run_as_user = 1000',
    '      run_as_group = 1000',
    '',
  ];
  return toml.join('\n');
}

export function gitlabRunner(c: Context): Model[] {
  const { w } = c;
  const config = '/home/gitlab-runner/.gitlab-runner';
  const runner = {
    image: image('GITLAB_RUNNER_IMAGE'),
    resources: resourcesOf(w.sizing),
    securityContext: confined,
  };
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'gitlab-runner', { 'config.template.toml': runnerConfig(c) }),
    new ServiceAccount({ metadata: meta(w, 'gitlab-runner') }),
    new ServiceAccount({ metadata: meta(w, 'gitlab-runner-jobs') }),
    // The Kubernetes executor starts each job as a pod in this namespace.
    new Role({
      metadata: meta(w, 'gitlab-runner'),
      rules: [
        {
          apiGroups: [''],
          resources: [
            'pods',
            'pods/exec',
            'pods/attach',
            'pods/log',
            'secrets',
            'configmaps',
            'services',
          ],
          verbs: [
            'get',
            'list',
            'watch',
            'create',
            'update',
            'patch',
            'delete',
          ],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
      ],
    }),
    new RoleBinding({
      metadata: meta(w, 'gitlab-runner'),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'gitlab-runner',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'gitlab-runner',
          namespace: w.namespace,
        },
      ],
    }),
    singleDeployment(
      c,
      {
        serviceAccountName: 'gitlab-runner',
        securityContext: nonRootPod(100, 65533),
        initContainers: [
          {
            name: 'register',
            ...runner,
            command: ['gitlab-runner'],
            args: [
              'register',
              '--non-interactive',
              '--config',
              `${config}/config.toml`,
              '--template-config',
              '/template/config.template.toml',
              '--executor',
              'kubernetes',
              '--name',
              w.node,
            ],
            env: [
              // Over the namespace's own network: GitLab's Service in devops-factory.
              ...env({ CI_SERVER_URL: `http://${serviceHost(c, 'gitlab')}` }),
              secretEnv('CI_SERVER_TOKEN', 'gitlab-runner', 'runner-token'),
            ],
            volumeMounts: [
              mount('config', config),
              mount('template', '/template', true),
            ],
          },
        ],
        containers: [
          {
            name: 'gitlab-runner',
            ...runner,
            command: ['gitlab-runner'],
            args: [
              'run',
              '--config',
              `${config}/config.toml`,
              '--working-directory',
              '/home/gitlab-runner',
              '--listen-address',
              `:${w.sizing.metricsPort}`,
            ],
            ports: [{ name: 'metrics', containerPort: w.sizing.metricsPort! }],
            readinessProbe: tcpProbe(w.sizing.metricsPort!),
            volumeMounts: [
              mount('config', config),
              mount('home', '/home/gitlab-runner/builds'),
            ],
          },
        ],
        volumes: [
          { name: 'config', emptyDir: {} },
          { name: 'home', emptyDir: {} },
          { name: 'template', configMap: { name: 'gitlab-runner' } },
        ],
      },
      true,
    ),
  ];
}
