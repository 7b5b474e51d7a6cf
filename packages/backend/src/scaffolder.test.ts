/*
 * Integration: the real backend process, on the embedded default, runs uyoop's
 * `namespace` template through the scaffolder's dry-run API, as the Create
 * page's template editor does: the template comes from the catalog, the
 * manifests from uyoop:manifests:render (the platform's generators).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogCli, repoRoot, Service, zxRunner } from '@internal/platform';
import { until } from '@internal/testbed';
import { parse, parseAllDocuments } from 'yaml';
import {
  runTemplate,
  ScaffolderBackend,
  startScaffolderBackend,
  templateFiles,
} from './testing/scaffolder';

jest.setTimeout(240_000);

interface DryRun {
  status: number;
  body: {
    log?: { body: { message: string; status?: string } }[];
    directoryContents?: { path: string; base64Content: string }[];
    output?: { text?: { title: string; content: string }[] };
    error?: { message: string };
    errors?: { stack?: string; message?: string; property?: string }[];
  };
}

/** The form's schema is checked again by the server: a 400 naming the field, before any step runs. */
const NAME_PATTERN = /HTTP 400\ninstance\.name does not match pattern/;

describe("uyoop's golden paths through the scaffolder's dry-run API", () => {
  let scaffolder: ScaffolderBackend;
  let backend: Service;
  let baseUrl: string;
  let token: string;
  let template: unknown;
  /** Where uyoop:publish:local puts the repositories of this run. */
  let repos: string;

  beforeAll(async () => {
    repos = await mkdtemp(join(tmpdir(), 'uyoop-scaffolded-repos-'));
    scaffolder = await startScaffolderBackend({
      APP_CONFIG_uyoop_scaffolder_localGitRoot: repos,
    });
    ({ backend, baseUrl, token } = scaffolder);
    template = parse(
      await readFile(
        join(repoRoot, 'templates', 'namespace', 'template.yaml'),
        'utf8',
      ),
    );
  });

  afterAll(async () => {
    await backend?.stop();
    if (repos) await rm(repos, { recursive: true, force: true });
  });

  const dryRun = async (
    values: Record<string, unknown>,
    of: {
      template: unknown;
      files: { path: string; base64Content: string }[];
    } = { template, files: [] },
  ): Promise<DryRun> => {
    const res = await fetch(`${baseUrl}/api/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        template: of.template,
        values,
        secrets: {},
        directoryContents: of.files,
      }),
    });
    return { status: res.status, body: await res.json() };
  };

  /** The files of a dry run's workspace, as text, by path. */
  const workspace = (r: DryRun) =>
    Object.fromEntries(
      (r.body.directoryContents ?? []).map(f => [
        f.path,
        Buffer.from(f.base64Content, 'base64').toString('utf8'),
      ]),
    );
  const objectsOf = (yaml: string) =>
    parseAllDocuments(yaml).map(
      d =>
        d.toJSON() as {
          kind: string;
          metadata: {
            name: string;
            namespace?: string;
            labels?: Record<string, string>;
          };
          spec?: any;
        },
    );
  const service = {
    name: 'hello',
    description: 'Says hello: "quoted", and: colons',
    owner: 'group:default/developers',
    system: 'system:default/web',
    node: 'resource:default/core-prod',
    tier: 'prod',
    port: 8080,
  };

  /** Runs the web-service template for real. */
  const runTask = (values: Record<string, unknown>) =>
    runTemplate(scaffolder, 'template:default/web-service', values);

  /** What a failed run says: the API's error, or the failing step's log lines. */
  const failure = (r: DryRun) =>
    [
      `HTTP ${r.status}`,
      r.body.error?.message,
      ...(r.body.errors ?? []).map(e => e.stack ?? e.message),
      ...(r.body.log ?? []).map(l => l.body.message),
    ]
      .filter(Boolean)
      .join('\n');

  const valid = {
    name: 'dev-sandbox',
    tier: 'dev',
    owner: 'group:default/developers',
    system: 'system:default/ai-lab',
  };

  it('is in the catalog, where the Create page lists it', async () => {
    const entity = await until(
      'the namespace template in the catalog',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/template/default/namespace`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        );
        return res.ok
          ? ((await res.json()) as {
              metadata: { title: string; description: string };
            })
          : undefined;
      },
      60_000,
    );
    expect(entity.metadata.title).toBe('Environment namespace');
    expect(entity.metadata.description).toMatch(/default-deny NetworkPolicies/);
  });

  it('renders a dev namespace: tier labels, quota, limits and default-deny policies', async () => {
    const r = await dryRun(valid);
    expect(r.status).toBe(200);
    expect(r.body.directoryContents!.map(f => f.path)).toEqual([
      'manifests/dev-sandbox.yaml',
    ]);
    const objects = objectsOf(workspace(r)['manifests/dev-sandbox.yaml']);
    expect(
      objects.find(o => o.kind === 'Namespace')!.metadata.labels,
    ).toMatchObject({
      'uyoop.io/tier': 'dev',
      'uyoop.io/owner': 'developers',
      'uyoop.io/cost-centre': 'ai-lab',
    });
    expect(
      objects.find(o => o.kind === 'ResourceQuota')!.spec.hard[
        'services.nodeports'
      ],
    ).toBe('0');
    const denyAll = objects.find(
      o =>
        o.kind === 'NetworkPolicy' &&
        Object.keys(o.spec.podSelector).length === 0 &&
        o.spec.policyTypes.includes('Egress') &&
        !o.spec.egress?.length,
    );
    expect(denyAll).toBeDefined();
    expect(
      objects.every(
        o => o.kind === 'Namespace' || o.metadata.namespace === 'dev-sandbox',
      ),
    ).toBe(true);
    expect(r.body.output!.text![0].content).toBe(
      `${objects.length} objects in \`manifests/dev-sandbox.yaml\``,
    );
  });

  it.each([
    [
      'a name with a shell command',
      { ...valid, name: 'dev;rm -rf /' },
      NAME_PATTERN,
    ],
    [
      'a name with a substitution',
      { ...valid, name: 'dev-$(id)' },
      NAME_PATTERN,
    ],
    ['a name with a newline', { ...valid, name: 'dev\nlab' }, NAME_PATTERN],
    ['a name that breaks YAML', { ...valid, name: 'dev: [oops' }, NAME_PATTERN],
    [
      'an unknown owner',
      { ...valid, owner: 'group:default/nobody' },
      /owner: nobody is not a catalog Group/,
    ],
    [
      'an unknown system',
      { ...valid, system: 'system:default/shop' },
      /system: shop is not a catalog System/,
    ],
    [
      'a tier that is neither dev nor prod',
      { ...valid, tier: 'staging' },
      /HTTP 400\ninstance\.tier is not one of enum values: dev,prod/,
    ],
    [
      'a namespace that exists',
      { ...valid, name: 'prod-web', tier: 'prod' },
      /name: namespace prod-web already exists/,
    ],
  ])(
    'refuses %s on the server, naming the field, and writes nothing',
    async (_what, values, message) => {
      const r = await dryRun(values);
      expect(failure(r)).toMatch(message);
      expect(
        (r.body.directoryContents ?? []).filter(f =>
          f.path.startsWith('manifests/'),
        ),
      ).toEqual([]);
    },
  );

  it('renders a web service: source, pipeline, catalog entry and manifests behind Authelia', async () => {
    const r = await dryRun(service, await templateFiles('web-service'));
    if (r.status !== 200) throw new Error(failure(r));
    const files = workspace(r);
    expect(Object.keys(files).sort()).toEqual([
      '.gitlab-ci.yml',
      'Dockerfile',
      'catalog-info.yaml',
      'docs/index.md',
      'manifests/prod-hello.yaml',
      'mkdocs.yml',
      'package.json',
      'renovate.json',
      'sonar-project.properties',
      'src/server.test.ts',
      'src/server.ts',
      'tsconfig.json',
    ]);
    const objects = objectsOf(files['manifests/prod-hello.yaml']);
    const route = objects.find(o => o.kind === 'IngressRoute')!;
    expect(route.spec.routes[0].match).toBe('Host(`hello.uyoop.fr`)');
    expect(
      route.spec.routes[0].middlewares.map((m: { name: string }) => m.name),
    ).toContain('authelia-forward-auth');
    expect(
      objects.find(
        o =>
          o.kind === 'Middleware' &&
          o.metadata.name === 'authelia-forward-auth',
      )!.spec.forwardAuth.address,
    ).toMatch(
      /^http:\/\/authelia\.security\.svc\.cluster\.local:9091\/api\/authz\/forward-auth$/,
    );
    const fromTraefik = objects.find(
      o =>
        o.kind === 'NetworkPolicy' &&
        o.metadata.name === 'allow-ingress-from-traefik',
    )!;
    expect(fromTraefik.spec.ingress[0].from[0]).toEqual({
      namespaceSelector: {
        matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
      },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    });
    expect(
      objects.find(o => o.kind === 'Namespace')!.metadata.labels,
    ).toMatchObject({
      'uyoop.io/tier': 'prod',
      'uyoop.io/owner': 'developers',
      'uyoop.io/cost-centre': 'web',
    });
    expect(
      objects.find(o => o.kind === 'Schedule')!.spec.template
        .includedNamespaces,
    ).toEqual(['prod-hello']);
    expect(parse(files['.gitlab-ci.yml']).stages).toEqual([
      'build',
      'test',
      'trivy',
      'sonarqube',
      'deploy',
    ]);
    expect(files.Dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(files.Dockerfile).not.toMatch(/:latest/);
    const entity = parse(files['catalog-info.yaml']);
    expect(entity.metadata.description).toBe(service.description);
    expect(entity.metadata.annotations).toMatchObject({
      'uyoop.io/node': 'core-prod',
      'uyoop.io/backup': 'velero',
      'backstage.io/kubernetes-namespace': 'prod-hello',
    });
    expect(JSON.parse(files['package.json']).description).toBe(
      service.description,
    );
    expect(files['src/server.ts']).toContain('hello: hello ${user}');
  });

  it("writes a pipeline that GitLab's schema accepts, with its five stages", async () => {
    const files = workspace(
      await dryRun(service, await templateFiles('web-service')),
    );
    const dir = await mkdtemp(join(tmpdir(), 'uyoop-scaffolded-ci-'));
    try {
      await writeFile(join(dir, '.gitlab-ci.yml'), files['.gitlab-ci.yml']);
      const git = (...args: string[]) =>
        zxRunner.run(
          'git',
          ['-c', 'user.name=ci', '-c', 'user.email=ci@uyoop.fr', ...args],
          { cwd: dir },
        );
      await git('init', '-q', '-b', 'main');
      await git(
        'remote',
        'add',
        'origin',
        'https://gitlab.uyoop.fr/developers/hello.git',
      );
      await git('add', '.');
      await git('commit', '-q', '-m', 'pipeline');
      const cli = require.resolve('gitlab-ci-local/dist/index.js');
      const r = await zxRunner.run(
        process.execPath,
        [cli, '--list-json', '--json-schema-validation'],
        { cwd: dir, allowFail: true, timeoutMs: 120_000 },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('json schema validated');
      const jobs = (JSON.parse(r.stdout) as { name: string; stage: string }[])
        .map(j => `${j.stage}:${j.name}`)
        .sort();
      expect(jobs).toEqual([
        'build:build',
        'deploy:deploy',
        'sonarqube:sonarqube',
        'test:test',
        'trivy:trivy-config',
        'trivy:trivy-image',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders a static site as a public route, with no sign-in in front', async () => {
    const r = await dryRun(
      {
        ...service,
        name: 'docs',
        tier: 'dev',
        node: 'resource:default/ai-lab',
      },
      await templateFiles('static-site'),
    );
    if (r.status !== 200) throw new Error(failure(r));
    const files = workspace(r);
    expect(files['public/index.html']).toContain('<title>docs</title>');
    const objects = objectsOf(files['manifests/dev-docs.yaml']);
    const route = objects.find(o => o.kind === 'IngressRoute')!;
    expect(
      route.spec.routes.flatMap((x: { middlewares: { name: string }[] }) =>
        x.middlewares.map(m => m.name),
      ),
    ).not.toContain('authelia-forward-auth');
    expect(parse(files['catalog-info.yaml']).spec.type).toBe('website');
  });

  it('refuses a service on a node the catalog does not hold, before any file is written', async () => {
    const r = await dryRun(
      { ...service, node: 'resource:default/core-staging' },
      await templateFiles('web-service'),
    );
    expect(failure(r)).toMatch(/node: core-staging is not a catalog node/);
    expect(Object.keys(workspace(r))).toEqual([]);
  });

  it('runs the web service for real: one commit in a new repository, and the service in the catalog, valid', async () => {
    const { task, events, links, seconds } = await runTask({
      ...service,
      name: 'hello-run',
    });
    if (task.status !== 'completed')
      throw new Error(`task ${task.status}: ${events.slice(-2000)}`);
    const auth = { authorization: `Bearer ${token}` };
    const bare = join(repos, 'hello-run.git');
    const git = (...args: string[]) =>
      zxRunner.run('git', ['--git-dir', bare, ...args]);
    expect((await git('rev-list', '--count', 'main')).stdout.trim()).toBe('1');
    const files = (await git('ls-tree', '-r', '--name-only', 'main')).stdout
      .trim()
      .split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        '.gitlab-ci.yml',
        'Dockerfile',
        'catalog-info.yaml',
        'manifests/prod-hello-run.yaml',
        'src/server.ts',
        'src/server.test.ts',
        'renovate.json',
        'docs/index.md',
      ]),
    );
    const sizes = await Promise.all(
      files.map(async f =>
        (await git('cat-file', '-s', `main:${f}`)).stdout.trim(),
      ),
    );
    process.stdout.write(
      `web-service full run: ${seconds.toFixed(1)} s, ${
        files.length
      } files, ${sizes.reduce((a, b) => a + Number(b), 0)} bytes\n`,
    );

    const entity = await until(
      'component hello-run in the catalog',
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/component/default/hello-run`,
          { headers: auth },
        );
        return res.ok
          ? ((await res.json()) as { spec: { owner: string; system: string } })
          : undefined;
      },
      90_000,
    );
    expect(entity.spec).toMatchObject({ owner: 'developers', system: 'web' });
    // Registered as a URL location of the local forge, read by the catalog
    // through the backend's own HTTP view of the repository.
    const forge = `${baseUrl}/api/scaffolder/repos/hello-run`;
    expect(
      (entity as { metadata?: { annotations?: Record<string, string> } })
        .metadata?.annotations?.['backstage.io/managed-by-location'],
    ).toBe(`url:${forge}/raw/catalog-info.yaml`);
    // The output's Repository link lists the files of main.
    const repositoryLink = links.find(l => l.title === 'Repository')?.url;
    expect(repositoryLink).toBe(forge);
    const page = await (await fetch(forge)).text();
    expect(page).toContain(`git clone file://${bare}`);
    expect(page).toContain('manifests/prod-hello-run.yaml');
    const catalogInfo = await (
      await fetch(`${forge}/raw/catalog-info.yaml`)
    ).text();

    // The entity as the platform repository would take it: catalog/ plus its file.
    const root = await mkdtemp(join(tmpdir(), 'uyoop-catalog-with-hello-'));
    try {
      await zxRunner.run('cp', [
        '-r',
        join(repoRoot, 'catalog'),
        join(repoRoot, 'catalog-info.yaml'),
        root,
      ]);
      await writeFile(join(root, 'catalog', 'hello-run.yaml'), catalogInfo);
      const rootLocation = join(root, 'catalog-info.yaml');
      await writeFile(
        rootLocation,
        `${await readFile(
          rootLocation,
          'utf8',
        )}    - ./catalog/hello-run.yaml\n`,
      );
      const out: string[] = [];
      const code = await catalogCli(
        ['validate'],
        { out: l => out.push(l), err: l => out.push(l) },
        { root },
      );
      expect({ code, out }).toMatchObject({ code: 0 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('serves the local forge read-only: unknown repositories, files and paths that climb are refused', async () => {
    const forge = `${baseUrl}/api/scaffolder/repos`;
    const missing = await fetch(`${forge}/no-such-repo`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('no repository no-such-repo');
    const climbing = await fetch(`${forge}/hello-run/raw/src/%2E%2E/%2E%2E/x`);
    expect([400, 404]).toContain(climbing.status);
    const bad = await fetch(`${forge}/Bad;Name/raw/x`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('name:');
    const write = await fetch(`${forge}/hello-run/raw/x`, { method: 'PUT' });
    expect(write.status).toBe(404);
  });

  it('registers in the catalog only a repository of its own forge', async () => {
    const register = (repoContentsUrl: string) =>
      dryRun(
        {},
        {
          template: {
            apiVersion: 'scaffolder.backstage.io/v1beta3',
            kind: 'Template',
            metadata: { name: 'register-elsewhere' },
            spec: {
              type: 'service',
              steps: [
                {
                  id: 'register',
                  action: 'uyoop:catalog:register',
                  input: { repoContentsUrl },
                },
              ],
            },
          },
          files: [],
        },
      );
    const forge = `${baseUrl}/api/scaffolder/repos/`;
    for (const url of [
      'https://gitlab.example.com/someone/repo/-/blob/main',
      `${forge}hello/raw/../../../../catalog/entities`,
      `${forge}hello/raw/%2e%2e/%2e%2e/%2e%2e/%2e%2e/catalog/entities`,
      'not a URL',
    ])
      expect(failure(await register(url))).toContain(
        `repoContentsUrl: ${url} is not a repository of ${forge}`,
      );
    expect(failure(await register(`${forge}hello/raw`))).toContain(
      'would register',
    );
  });

  it('fails a real run with an unknown owner at its first step: no repository, nothing registered', async () => {
    const { task, events } = await runTask({
      ...service,
      name: 'hello-nobody',
      owner: 'group:default/nobody',
    });
    expect(task.status).toBe('failed');
    expect(events).toContain('owner: nobody is not a catalog Group');
    expect(events).not.toContain('Beginning step Publish to the local forge');
    expect(await readdir(repos)).not.toContain('hello-nobody.git');
  });
});
