/** The AI lab on ai-lab: Ollama (CPU inference), Qdrant, Perplexica and SonarQube. */
import {
  claim,
  configMap,
  confined,
  Context,
  dbName,
  dbPassword,
  dependency,
  env,
  httpProbe,
  image,
  Model,
  mount,
  nonRootPod,
  resourcesOf,
  secretEnv,
  serviceHost,
  serviceOf,
  servicePorts,
  singleDeployment,
  startup,
  statefulSet,
  tcpProbe,
} from './kit';

/** The LLMs Ollama serves: quantised Q4_K_M builds, for CPU inference (AVX2). */
export const OLLAMA_MODELS = [
  'mistral:7b-instruct-q4_K_M',
  'llama3:8b-instruct-q4_K_M',
];

export function sonarqube(c: Context): Model[] {
  const { w } = c;
  const db = 'sonarqube-db';
  const home = '/opt/sonarqube';
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'sonarqube',
            image: image('SONARQUBE_IMAGE'),
            env: [
              ...env({
                SONAR_JDBC_URL: `jdbc:postgresql://${serviceHost(
                  c,
                  db,
                )}:5432/${dbName(db)}`,
                SONAR_JDBC_USERNAME: dbName(db),
                SONAR_WEB_PORT: String(w.sizing.port),
                // No vm.max_map_count on the node to raise: the embedded search engine does without mmap.
                SONAR_SEARCH_JAVAADDITIONALOPTS:
                  '-Dnode.store.allow_mmap=false',
                // Sign-in by the headers Authelia's forwardAuth sets (Traefik's authResponseHeaders).
                SONAR_WEB_SSO_ENABLE: 'true',
                SONAR_WEB_SSO_LOGINHEADER: 'Remote-User',
                SONAR_WEB_SSO_NAMEHEADER: 'Remote-Name',
                SONAR_WEB_SSO_EMAILHEADER: 'Remote-Email',
                SONAR_WEB_SSO_GROUPSHEADER: 'Remote-Groups',
                SONAR_TELEMETRY_ENABLE: 'false',
              }),
              dbPassword(db, 'SONAR_JDBC_PASSWORD'),
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            startupProbe: startup(
              httpProbe('/api/system/status', w.sizing.port!),
              10,
            ),
            readinessProbe: httpProbe('/api/system/status', w.sizing.port!, 15),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              mount('data', `${home}/data`),
              mount('extensions', `${home}/extensions`),
              mount('logs', `${home}/logs`),
              mount('temp', `${home}/temp`),
            ],
          },
        ],
        volumes: [
          { name: 'logs', emptyDir: {} },
          { name: 'temp', emptyDir: {} },
        ],
      },
      [claim('data', '10Gi'), claim('extensions', '1Gi')],
    ),
  ];
}

export function ollama(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    // Which models to keep in the volume; `ollama pull` them once (ai-lab has no internet egress).
    configMap(w, 'ollama-models', {
      'models.txt': `${OLLAMA_MODELS.join('\n')}\n`,
    }),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'ollama',
            image: image('OLLAMA_IMAGE'),
            args: ['serve'],
            env: env({
              HOME: '/data',
              OLLAMA_HOST: `0.0.0.0:${w.sizing.port}`,
              OLLAMA_MODELS: '/data/models',
              // CPU inference on the node's AVX2: one model and one request at a time fit its memory.
              OLLAMA_NUM_PARALLEL: '1',
              OLLAMA_MAX_LOADED_MODELS: '1',
              OLLAMA_KEEP_ALIVE: '30m',
              OLLAMA_CONTEXT_LENGTH: '4096',
            }),
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/api/version', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [mount('data', '/data')],
          },
        ],
      },
      [claim('data', '30Gi')],
    ),
  ];
}

export function qdrant(c: Context): Model[] {
  const { w } = c;
  return [
    serviceOf(w, servicePorts(w)),
    statefulSet(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'qdrant',
            image: image('QDRANT_IMAGE'),
            env: [
              ...env({
                QDRANT__SERVICE__HTTP_PORT: String(w.sizing.port),
                QDRANT__TELEMETRY_DISABLED: 'true',
                QDRANT__STORAGE__STORAGE_PATH: '/qdrant/storage',
                QDRANT__STORAGE__SNAPSHOTS_PATH: '/qdrant/storage/snapshots',
              }),
              secretEnv('QDRANT__SERVICE__API_KEY', 'qdrant', 'api-key'),
            ],
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: httpProbe('/readyz', w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [mount('storage', '/qdrant/storage')],
          },
        ],
      },
      [claim('storage', '10Gi')],
    ),
  ];
}

export function perplexica(c: Context): Model[] {
  const { w } = c;
  const ollamaUrl = `http://${serviceHost(c, 'ollama')}:${
    dependency(c, 'ollama').sizing.port
  }`;
  const config = [
    '[GENERAL]',
    'SIMILARITY_MEASURE = "cosine"',
    'KEEP_ALIVE = "30m"',
    '',
    '[MODELS.OLLAMA]',
    `API_URL = "${ollamaUrl}"`,
    '',
    // ai-lab has no internet egress: no web search engine, the answers come from the local index.
    '[API_ENDPOINTS]',
    'SEARXNG = ""',
    '',
  ].join('\n');
  return [
    serviceOf(w, servicePorts(w)),
    configMap(w, 'perplexica', { 'config.toml': config }),
    singleDeployment(
      c,
      {
        securityContext: nonRootPod(1000),
        containers: [
          {
            name: 'perplexica',
            image: image('PERPLEXICA_IMAGE'),
            env: env({ PORT: String(w.sizing.port), HOSTNAME: '0.0.0.0' }),
            ports: [{ name: 'http', containerPort: w.sizing.port! }],
            readinessProbe: tcpProbe(w.sizing.port!),
            resources: resourcesOf(w.sizing),
            securityContext: confined,
            volumeMounts: [
              {
                name: 'config',
                mountPath: '/home/perplexica/config.toml',
                subPath: 'config.toml',
                readOnly: true,
              },
              mount('data', '/home/perplexica/data'),
              mount('uploads', '/home/perplexica/uploads'),
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'perplexica' } },
          { name: 'data', emptyDir: {} },
          { name: 'uploads', emptyDir: {} },
        ],
      },
      true,
    ),
  ];
}
