import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cpuMillis,
  loadPlatform,
  memoryMiB,
  parseVersionsEnv,
  Platform,
  repoRoot,
} from '@internal/platform';
import { parse } from 'yaml';
import { clusterPlan, ClusterPlan, KubeObject, platformObjects } from '.';
import { routeHost } from './services';
import {
  NOT_RENDERED,
  OIDC_CLIENTS,
  RUNS_AS_ROOT,
  serviceObjects,
} from './services';

type Container = {
  name: string;
  image: string;
  resources?: {
    requests?: { cpu: string; memory: string };
    limits?: { cpu: string; memory: string };
  };
  ports?: { containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  securityContext?: Record<string, unknown>;
};
type PodSpec = {
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; value: string; effect: string }[];
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, any>[];
};
type Workload = KubeObject & {
  spec: {
    template: { spec: PodSpec };
    volumeClaimTemplates?: { spec: { storageClassName?: string } }[];
  };
};

let platform: Platform;
let plan: ClusterPlan;
let objects: KubeObject[];

beforeAll(async () => {
  platform = await loadPlatform();
  plan = clusterPlan(platform);
  objects = platformObjects(plan);
});

const workloads = () =>
  objects.filter(
    o => o.kind === 'Deployment' || o.kind === 'StatefulSet',
  ) as Workload[];
const find = (kind: string, namespace: string, name: string) =>
  objects.find(
    o =>
      o.kind === kind &&
      o.metadata.namespace === namespace &&
      o.metadata.name === name,
  ) as any;
const envOf = (c: Container) =>
  Object.fromEntries((c.env ?? []).map(e => [e.name, e.value]));

describe('the workloads of the catalog', () => {
  it('runs every k3s catalog service and database on its catalog node, with the requests and limits the capacity check adds up', () => {
    const problems: string[] = [];
    const inCluster = plan.workloads.filter(w => w.runtime !== 'compose');
    for (const w of inCluster.filter(x => !NOT_RENDERED[x.name])) {
      const found = workloads().find(
        o => o.metadata.name === w.name && o.metadata.namespace === w.namespace,
      );
      if (!found) {
        problems.push(`${w.namespace}/${w.name}: no Deployment or StatefulSet`);
        continue;
      }
      const pod = found.spec.template.spec;
      const node = platform.nodes.find(n => n.name === w.node)!;
      if (pod.nodeSelector?.['kubernetes.io/hostname'] !== w.node)
        problems.push(`${w.name}: not pinned to ${w.node}`);
      for (const t of node.taints)
        if (
          !pod.tolerations?.some(
            x =>
              x.key === t.key && x.value === t.value && x.effect === t.effect,
          )
        )
          problems.push(`${w.name}: does not tolerate ${t.key} of ${w.node}`);
      const sum = (
        pick: (c: Container) => string | undefined,
        unit: 'cpu' | 'mem',
      ) =>
        pod.containers.reduce((s, c) => {
          const v = pick(c);
          if (!v) problems.push(`${w.name}/${c.name}: no ${unit} set`);
          return s + (v ? (unit === 'cpu' ? cpuMillis(v) : memoryMiB(v)) : 0);
        }, 0);
      const got = {
        requests: {
          cpu: sum(c => c.resources?.requests?.cpu, 'cpu'),
          memory: sum(c => c.resources?.requests?.memory, 'mem'),
        },
        limits: {
          cpu: sum(c => c.resources?.limits?.cpu, 'cpu'),
          memory: sum(c => c.resources?.limits?.memory, 'mem'),
        },
      };
      const want = {
        requests: {
          cpu: cpuMillis(w.sizing.requests.cpu),
          memory: memoryMiB(w.sizing.requests.memory),
        },
        limits: {
          cpu: cpuMillis(w.sizing.limits.cpu),
          memory: memoryMiB(w.sizing.limits.memory),
        },
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        problems.push(
          `${w.name}: pod asks ${JSON.stringify(
            got,
          )}, the catalog sizes ${JSON.stringify(want)}`,
        );
      // An init container never asks more than the pod's containers: the pod's request stays the catalog's.
      for (const i of pod.initContainers ?? [])
        if (
          cpuMillis(i.resources?.requests?.cpu ?? '0') > want.requests.cpu ||
          memoryMiB(i.resources?.requests?.memory ?? '0') > want.requests.memory
        )
          problems.push(
            `${w.name}/${i.name}: init container asks more than the pod`,
          );
    }
    expect(problems).toEqual([]);
    // What is left out is a workload of the cluster, each with its reason.
    const names = new Set(inCluster.map(w => w.name));
    expect(Object.keys(NOT_RENDERED).filter(n => !names.has(n))).toEqual([]);
    expect(Object.values(NOT_RENDERED).every(why => why.length > 20)).toBe(
      true,
    );
  });

  it('renders nothing for Mailcow, which runs as its compose stack on the host', () => {
    const mailcow = platform.services.find(s => s.name === 'mailcow')!;
    expect(mailcow.runtime).toBe('compose');
    expect(
      objects
        .filter(o => o.metadata.namespace === 'prod-mail')
        .map(o => o.kind)
        .filter(
          k => !['ResourceQuota', 'LimitRange', 'NetworkPolicy'].includes(k),
        ),
    ).toEqual([]);
  });

  it('runs no privileged container, and none as root except where the image needs it', () => {
    const problems: string[] = [];
    for (const w of workloads()) {
      const pod = w.spec.template.spec;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = { ...pod.securityContext, ...c.securityContext } as Record<
          string,
          unknown
        >;
        const where = `${w.metadata.namespace}/${w.metadata.name}/${c.name}`;
        if (sc.privileged === true) problems.push(`${where}: privileged`);
        if (RUNS_AS_ROOT[w.metadata.name]) continue;
        if (sc.runAsNonRoot !== true || !sc.runAsUser)
          problems.push(`${where}: may run as root`);
        if (sc.allowPrivilegeEscalation !== false)
          problems.push(`${where}: may escalate privileges`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(RUNS_AS_ROOT)).toEqual(['gitlab']);
  });

  it('documents every Secret a workload reads, name and key, in infra/k8s/README.md, and renders none', async () => {
    const readme = await readFile(
      join(repoRoot, 'infra', 'k8s', 'README.md'),
      'utf8',
    );
    const documented = new Set<string>();
    for (const m of readme.matchAll(
      /^\| `([a-z0-9-]+)` +\| `([a-z0-9-]+)` +\| ([^|]+)\|/gm,
    ))
      for (const key of m[3].matchAll(/`([^`]+)`/g))
        documented.add(`${m[1]}/${m[2]}:${key[1]}`);
    const referenced = new Set<string>();
    const walk = (node: unknown, ns: string) => {
      if (Array.isArray(node)) node.forEach(n => walk(n, ns));
      else if (node && typeof node === 'object') {
        const o = node as Record<string, any>;
        if (o.secretKeyRef)
          referenced.add(`${ns}/${o.secretKeyRef.name}:${o.secretKeyRef.key}`);
        const secret = o.secret;
        if (secret && (secret.secretName || secret.name)) {
          expect(secret.items?.length).toBeGreaterThan(0); // every key named
          for (const i of secret.items)
            referenced.add(
              `${ns}/${secret.secretName ?? secret.name}:${i.key}`,
            );
        }
        Object.values(o).forEach(v => walk(v, ns));
      }
    };
    for (const o of objects) walk(o, o.metadata.namespace ?? '');
    expect(referenced.size).toBeGreaterThan(10);
    expect([...referenced].filter(r => !documented.has(r)).sort()).toEqual([]);
    // and the README lists no Secret that nothing reads any more
    expect([...documented].filter(d => !referenced.has(d)).sort()).toEqual([]);
    expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
  });

  it('gives Authelia an OIDC client for the portal, Nextcloud, GitLab, Ghost and Grafana, each redirecting to its own route host', () => {
    const cm = find('ConfigMap', 'security', 'authelia');
    const config = parse(cm.data['configuration.yml']);
    const clients = config.identity_providers.oidc.clients as {
      client_id: string;
      redirect_uris: string[];
      client_secret: string;
    }[];
    expect(clients.map(c => c.client_id).sort()).toEqual(
      ['ghost', 'gitlab', 'grafana', 'nextcloud', 'portal'].sort(),
    );
    const serviceOf = Object.fromEntries(
      OIDC_CLIENTS.map(c => [c.id, c.service]),
    );
    expect(serviceOf).toMatchObject({
      portal: 'uyoop-portal',
      nextcloud: 'nextcloud',
      gitlab: 'gitlab',
      ghost: 'ghost',
      grafana: 'grafana',
    });
    for (const c of clients) {
      expect(c.redirect_uris.length).toBeGreaterThan(0);
      for (const uri of c.redirect_uris) {
        const url = new URL(uri);
        expect(`${c.client_id} ${url.protocol}//${url.host}`).toBe(
          `${c.client_id} https://${routeHost(serviceOf[c.client_id])}`,
        );
      }
      // a digest read from the mounted Secret, never a value in the ConfigMap
      expect(c.client_secret).toMatch(
        /^\{\{ secret "\/secrets\/oidc-client-[a-z]+\.digest" \}\}$/,
      );
    }
    // 2FA by TOTP, sessions in Redis, users from the file backend
    expect(config.totp.digits).toBe(6);
    expect(config.access_control.default_policy).toBe('deny');
    expect(
      config.access_control.rules
        .filter((r: any) => r.policy !== 'bypass' && r.policy !== 'deny')
        .every((r: any) => r.policy === 'two_factor'),
    ).toBe(true);
    expect(config.session.redis.host).toBe(
      'authelia-redis.security.svc.cluster.local',
    );
    expect(config.authentication_backend.file.path).toBe(
      '/users/users_database.yml',
    );
  });

  it('pins every image by an exact tag of infra/versions.env', async () => {
    const versions = parseVersionsEnv(
      await readFile(join(repoRoot, 'infra', 'versions.env'), 'utf8'),
    );
    const pinned = new Set(Object.values(versions));
    const images = workloads()
      .flatMap(w => [
        ...(w.spec.template.spec.initContainers ?? []),
        ...w.spec.template.spec.containers,
      ])
      .map(c => c.image);
    expect(images.filter(i => !pinned.has(i))).toEqual([]);
    expect(
      images.filter(
        i => !/:[^:/]*\d[^:/]*$/.test(i) || /:(latest|main|stable)$/.test(i),
      ),
    ).toEqual([]);
  });

  it('serves each workload on the ports the NetworkPolicies open for it', () => {
    const problems: string[] = [];
    for (const w of plan.workloads.filter(
      x => !NOT_RENDERED[x.name] && x.runtime !== 'compose',
    )) {
      const ports = [w.sizing.port, w.sizing.metricsPort].filter(
        (p): p is number => p !== undefined,
      );
      if (!ports.length) continue;
      const svc = find('Service', w.namespace, w.name);
      const pod = workloads().find(
        o => o.metadata.name === w.name && o.metadata.namespace === w.namespace,
      )!.spec.template.spec;
      const open = pod.containers.flatMap(c =>
        (c.ports ?? []).map(p => p.containerPort),
      );
      for (const port of ports) {
        if (!svc?.spec.ports.some((p: any) => p.port === port))
          problems.push(`${w.name}: Service lacks ${port}`);
        if (!open.includes(port))
          problems.push(`${w.name}: no container listens on ${port}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps Nextcloud files on the nextcloud-data bucket, its keys in a Secret, and its database on the node NVMe', () => {
    const nc = find('Deployment', 'prod-cloud', 'nextcloud') as Workload;
    const container = nc.spec.template.spec.containers.find(
      c => c.name === 'nextcloud',
    )!;
    expect(envOf(container)).toMatchObject({
      OBJECTSTORE_S3_BUCKET: 'nextcloud-data',
      OBJECTSTORE_S3_HOST: 's3.gra.io.cloud.ovh.net',
      OBJECTSTORE_S3_SSL: 'true',
    });
    const keys = container.env!.filter(
      e => e.name.startsWith('OBJECTSTORE_S3_') && e.valueFrom,
    );
    expect(keys.map(e => [e.name, e.valueFrom!.secretKeyRef!.name])).toEqual([
      ['OBJECTSTORE_S3_KEY', 'nextcloud-s3'],
      ['OBJECTSTORE_S3_SECRET', 'nextcloud-s3'],
    ]);
    expect(platform.buckets.map(b => b.name)).toContain('nextcloud-data');
    const db = find('StatefulSet', 'prod-cloud', 'nextcloud-db') as Workload;
    expect(db.spec.volumeClaimTemplates![0].spec.storageClassName).toBe(
      'local-path',
    );
    expect(db.spec.template.spec.nodeSelector).toEqual({
      'kubernetes.io/hostname': 'core-prod',
    });
  });

  it('runs GitLab as one Omnibus container on its external URL, registry off, CI artifacts on the ci-artifacts bucket', () => {
    const gl = find('StatefulSet', 'devops-factory', 'gitlab') as Workload;
    expect(gl.spec.template.spec.containers).toHaveLength(1);
    const rb: string = find('ConfigMap', 'devops-factory', 'gitlab-omnibus')
      .data['gitlab.rb'];
    expect(rb).toContain(`external_url 'https://${routeHost('gitlab')}'`);
    expect(rb).toContain("registry['enable'] = false");
    expect(rb).toContain(
      "gitlab_rails['object_store']['objects']['artifacts']['bucket'] = 'ci-artifacts'",
    );
    expect(rb).not.toMatch(/aws_secret_access_key' => '/); // from the environment only
    const runner = find(
      'Deployment',
      'devops-factory',
      'gitlab-runner',
    ) as Workload;
    expect(runner.spec.template.spec.nodeSelector).toEqual({
      'kubernetes.io/hostname': 'ai-lab',
    });
    expect(
      find('ConfigMap', 'devops-factory', 'gitlab-runner').data[
        'config.template.toml'
      ],
    ).toMatch(/"uyoop\.io\/workload=ai" = "NoSchedule"/);
  });

  it('has Prometheus scrape the nodes and every metrics port it renders, load the committed rules and alert through Alertmanager', async () => {
    const config = parse(
      find('ConfigMap', 'monitoring', 'prometheus').data['prometheus.yml'],
    );
    const jobs = new Map<string, string[]>(
      config.scrape_configs.map((j: any) => [
        j.job_name,
        j.static_configs.flatMap((s: any) => s.targets),
      ]),
    );
    expect(jobs.get('node')).toEqual(
      platform.nodes.map(n => `${n.meshAddress}:9100`),
    );
    const scraped = plan.workloads.filter(
      w =>
        w.sizing.metricsPort &&
        workloads().some(o => o.metadata.name === w.name),
    );
    expect(scraped.length).toBeGreaterThan(5);
    for (const w of scraped)
      expect(jobs.get(w.name)).toEqual([
        `${w.name}.${w.namespace}.svc.cluster.local:${w.sizing.metricsPort}`,
      ]);
    expect(jobs.has('uyoop-finops')).toBe(true);
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      'alertmanager.monitoring.svc.cluster.local:9093',
    ]);
    const committed = await readFile(
      join(
        repoRoot,
        'infra',
        'monitoring',
        'prometheus',
        'rules',
        'platform.rules.yml',
      ),
      'utf8',
    );
    expect(
      parse(
        find('ConfigMap', 'monitoring', 'prometheus-rules').data[
          'platform.rules.yml'
        ],
      ),
    ).toEqual(parse(committed));
  });

  it('names the Q4_K_M models Ollama serves on CPU', () => {
    const models: string = find('ConfigMap', 'ai-lab', 'ollama-models').data[
      'models.txt'
    ];
    const names = models.trim().split('\n');
    expect(names.length).toBeGreaterThan(0);
    expect(names.every(n => /q4_K_M$/.test(n))).toBe(true);
  });
});

describe('bad input', () => {
  it('refuses a catalog service placed on a node the catalog does not hold, naming both', () => {
    const moved = {
      ...platform,
      services: platform.services.map(s =>
        s.name === 'qdrant' ? { ...s, nodes: ['gpu-lab'] } : s,
      ),
    };
    expect(() => platformObjects(clusterPlan(moved))).toThrow(
      /qdrant: node gpu-lab is not in the catalog \(catalog\/nodes\.yaml has core-prod, ai-lab\)/,
    );
  });

  it('refuses a k3s workload that has no generator and no reason to be left out', () => {
    const extra = {
      ...plan,
      workloads: [
        ...plan.workloads,
        { ...plan.workloads.find(w => w.name === 'qdrant')!, name: 'wiki' },
      ],
    };
    expect(() => serviceObjects(extra)).toThrow(
      /no workload generator for wiki: add one in packages\/k8s\/src\/services\.ts, or list it in NOT_RENDERED/,
    );
  });
});
