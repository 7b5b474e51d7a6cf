import {
  cp,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runSync } from '@internal/platform';
import { k8sCli, k8sUsage } from '.';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
    out,
    err,
  };
}

const FAKE_WEBHOOK =
  'https://discord.com/api/webhooks/123456789012345678/not-a-real-token-but-secret-all-the-same';

/** `yarn uyoop ...` as a user runs it: scripts/uyoop.ts under tsx, as CommonJS. */
function uyoop(...args: string[]) {
  return runSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'scripts/uyoop.ts',
      ...args,
    ],
    { cwd: repoRoot, timeoutMs: 120_000, allowFail: true },
  );
}

describe('yarn uyoop k8s, from the terminal', () => {
  it('loads the ES-module-only Kubernetes models and checks the rendered files', () => {
    const r = uyoop('k8s', 'render', '--check');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ files, \d+ objects: up to date\n$/);
    expect(r.code).toBe(0);
  });

  it('prints the error and the usage on an unknown option, and exits 2', () => {
    const r = uyoop('k8s', 'reachability', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /Unknown option '--bogus'\n\nusage: yarn uyoop k8s <command>\n[\s\S]*alertmanager-config --out FILE/,
    );
  });

  it('keeps the catalog commands working', () => {
    const r = uyoop('catalog', 'validate');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/catalog\/ is valid/);
  });
});

describe('yarn uyoop k8s', () => {
  it.each([
    [['render', '--force'], "Unknown option '--force'"],
    [['reachability', '--port'], "Option '--port <value>' argument missing"],
    [
      ['reachability', '--port', 'http'],
      '--port takes a port number (1-65535), not "http"',
    ],
    [
      ['capacity', 'ai-lab'],
      "Unexpected argument 'ai-lab'. This command does not take positional arguments",
    ],
    [['alertmanager-config'], 'alertmanager-config needs --out FILE'],
  ])('%j: exits 2 with the error, then the usage', async (args, message) => {
    const c = capture();
    expect(await k8sCli(args, c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err.join('\n')).toBe(`${message}\n\n${k8sUsage}`);
  });

  it('exits 2 with the usage on an unknown command', async () => {
    const c = capture();
    expect(await k8sCli(['deploy'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(
      /unknown command "deploy"\n\nusage: yarn uyoop k8s <command>/,
    );
  });

  it('render --check: says the committed files are up to date', async () => {
    const c = capture();
    expect(await k8sCli(['render', '--check'], c.io)).toBe(0);
    expect(c.out).toEqual([
      expect.stringMatching(/^\d+ files, \d+ objects: up to date$/),
    ]);
  });

  it('render --check on a stale copy: exits 1 naming the stale and orphaned files, and changes nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'uyoop-k8s-'));
    try {
      for (const dir of [
        'catalog',
        'infra/k8s',
        'infra/monitoring/prometheus/rules',
        'infra/monitoring/grafana/dashboards',
      ]) {
        await cp(join(repoRoot, dir), join(root, dir), { recursive: true });
      }
      await cp(
        join(repoRoot, 'catalog-info.yaml'),
        join(root, 'catalog-info.yaml'),
      );
      const edited = join(root, 'infra/k8s/namespaces/ai-lab.yaml');
      const text = (await readFile(edited, 'utf8')).replace(
        'default-deny',
        'allow-all',
      );
      await writeFile(edited, text);
      await writeFile(join(root, 'infra/k8s/namespaces/old.yaml'), '---\n');
      const c = capture();
      expect(await k8sCli(['render', '--check'], c.io, { root })).toBe(1);
      expect(c.err.join('\n')).toBe(
        '2 rendered files differ from the catalog; run yarn uyoop k8s render:\n' +
          '  stale: infra/k8s/namespaces/ai-lab.yaml\n' +
          '  no longer generated: infra/k8s/namespaces/old.yaml',
      );
      expect(await readFile(edited, 'utf8')).toBe(text);

      // And render puts them right.
      const w = capture();
      expect(await k8sCli(['render'], w.io, { root })).toBe(0);
      expect(w.out[0]).toMatch(
        /^\d+ files, \d+ objects: 1 written, 1 removed$/,
      );
      expect(await readdir(join(root, 'infra/k8s/namespaces'))).not.toContain(
        'old.yaml',
      );
      expect(await k8sCli(['render', '--check'], capture().io, { root })).toBe(
        0,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reachability --port 5432: the databases stay inside their namespace', async () => {
    const c = capture();
    expect(await k8sCli(['reachability', '--port', '5432'], c.io)).toBe(0);
    expect(c.out[0]).toBe('Reachability (port 5432/TCP), rows reach columns:');
    const row = c.out.find(l => l.startsWith('prod-cloud '))!;
    // The diagonal only: prod-cloud reaches itself and nothing else on 5432.
    expect(
      row
        .replace(/^prod-cloud\s+/, '')
        .split(' ')
        .filter(x => x === 'x'),
    ).toHaveLength(1);
  });

  it('reachability --json: the matrix, with the internet column', async () => {
    const c = capture();
    expect(await k8sCli(['reachability', '--json'], c.io)).toBe(0);
    const m = JSON.parse(c.out.join('\n'));
    expect(m.destinations.at(-1)).toBe('(internet)');
    expect(m.allowed['ai-lab']['prod-cloud']).toBe(false);
    expect(m.allowed['cert-manager']['(internet)']).toBe(true);
  });

  it('capacity: every node holds what the catalog places on it', async () => {
    const c = capture();
    expect(await k8sCli(['capacity'], c.io)).toBe(0);
    expect(c.out).toEqual([
      expect.stringMatching(
        /^core-prod: cpu \d+m of 6375m \(\d+%\), memory \d+Mi of 20019Mi \(\d+%\), \d+ workloads: fits$/,
      ),
      expect.stringMatching(
        /^ai-lab: cpu \d+m of 2975m \(\d+%\), memory \d+Mi of 9574Mi \(\d+%\), \d+ workloads: fits$/,
      ),
    ]);
  });

  describe('alertmanager-config', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'uyoop-am-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('writes a configuration amtool accepts, mode 600, and never prints the webhook', async () => {
      const secret = join(dir, 'discord-webhook');
      await writeFile(secret, `${FAKE_WEBHOOK}\n`, { mode: 0o600 });
      const out = join(dir, 'alertmanager.yml');
      const c = capture();
      expect(
        await k8sCli(['alertmanager-config', '--out', out], c.io, {
          env: { DISCORD_WEBHOOK_URL_FILE: secret },
        }),
      ).toBe(0);
      expect(c.out).toEqual([
        `wrote ${out} (mode 600); check it with: amtool check-config ${out}`,
      ]);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      const text = await readFile(out, 'utf8');
      expect(text).toContain(FAKE_WEBHOOK);
      // amtool comes from Debian's prometheus-alertmanager (scripts/prepare.d/monitoring.sh).
      const checked = runSync('amtool', ['check-config', out]).stdout;
      expect(checked).toMatch(/SUCCESS/);
      expect(checked).toMatch(/3 receivers/);
      expect(checked).not.toContain('not-a-real-token');
    });

    it('takes the URL from DISCORD_WEBHOOK_URL when no file is named', async () => {
      const out = join(dir, 'am.yml');
      expect(
        await k8sCli(['alertmanager-config', '--out', out], capture().io, {
          env: { DISCORD_WEBHOOK_URL: FAKE_WEBHOOK },
        }),
      ).toBe(0);
      expect(await readFile(out, 'utf8')).toContain(FAKE_WEBHOOK);
    });

    it.each([
      [
        {},
        'no Discord webhook: set DISCORD_WEBHOOK_URL_FILE to a file holding the URL (or DISCORD_WEBHOOK_URL)',
      ],
      [
        {
          DISCORD_WEBHOOK_URL:
            'http://discord.com/api/webhooks/1/secret-in-clear',
        },
        'DISCORD_WEBHOOK_URL does not hold a Discord webhook URL (https://…/api/webhooks/…); its value is not shown',
      ],
    ])(
      'exits 1 on a missing or wrong webhook, quoting no secret and writing nothing (%j)',
      async (env, message) => {
        const out = join(dir, 'am.yml');
        const c = capture();
        expect(
          await k8sCli(['alertmanager-config', '--out', out], c.io, { env }),
        ).toBe(1);
        expect(c.err).toEqual([message]);
        expect(c.err.join()).not.toContain('secret-in-clear');
        expect(await readdir(dir)).toEqual([]);
      },
    );

    it('keeps an existing configuration when the webhook file cannot be read', async () => {
      const out = join(dir, 'am.yml');
      await writeFile(out, 'route: {receiver: old}\n');
      const c = capture();
      expect(
        await k8sCli(['alertmanager-config', '--out', out], c.io, {
          env: { DISCORD_WEBHOOK_URL_FILE: join(dir, 'missing') },
        }),
      ).toBe(1);
      expect(c.err).toEqual([
        `cannot read the file ${join(
          dir,
          'missing',
        )} (DISCORD_WEBHOOK_URL_FILE): ENOENT`,
      ]);
      expect(await readFile(out, 'utf8')).toBe('route: {receiver: old}\n');
    });
  });
});
