/* The testbed engine's pure parts and its command line, without starting anything. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, ProcessRunner, zxRunner } from '@internal/platform';
import { planMesh } from '@internal/provision';
import { corefile } from './addons';
import { componentDir, dropBlankImports, goBuilds, wrapperGoMod } from './builds';
import { testbedCli } from './cli';
import { createContext } from './context';
import { imageKey, ImageRecipe, resolveFiles } from './images';
import {
  hardwareFiles,
  kubeletConfig,
  kubeProxyConfig,
  nodeUnits,
  NodeSettings,
  wireguardConfig,
} from './nodeFiles';

/** A runner that records every call and runs nothing. */
function recordingRunner() {
  const calls: string[] = [];
  const run: ProcessRunner = {
    async run(cmd, args) {
      calls.push([cmd, ...args].join(' '));
      return { code: 0, stdout: '', stderr: '' };
    },
  };
  return { calls, run };
}

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

describe('testbed command line', () => {
  it.each([[[]], [['start']], [['status', 'extra']], [['up', '--json']], [['up', '--jsn']]])(
    'exits 2 with the usage for %j, and runs nothing',
    async argv => {
      const { calls, run } = recordingRunner();
      const t = io();
      const code = await testbedCli(argv, t.io, createContext({ run, state: '/nonexistent' }));
      expect(code).toBe(2);
      expect(t.err.join('\n')).toContain('usage: yarn testbed <command>');
      expect(calls).toEqual([]);
    },
  );

  it('status --json of a testbed that is not up says so with exit 3', async () => {
    const state = mkdtempSync(join(tmpdir(), 'uyoop-tb-'));
    try {
      const t = io();
      const code = await testbedCli(['status', '--json'], t.io, createContext({ state }));
      expect(code).toBe(3);
      const s = JSON.parse(t.out.join('\n'));
      expect(s.running).toBe(false);
      expect(s.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['ai-lab', 'core-prod']);
      expect(s.daemons.every((d: { pid?: number }) => d.pid === undefined)).toBe(true);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('Go builds', () => {
  const versions = createContext().versions;

  it("keys a build of the repository's own mains by their content, so an edit rebuilds it", () => {
    const repoRoot = mkdtempSync(join(tmpdir(), 'uyoop-mains-'));
    try {
      const ctx = createContext({ repoRoot, versions, cache: '/cache' });
      const b = goBuilds(versions).find(x => x.component === 'cert-manager')!;
      mkdirSync(join(repoRoot, b.mainSources!, 'controller'), { recursive: true });
      const main = join(repoRoot, b.mainSources!, 'controller', 'main.go');
      writeFileSync(main, 'package main\n');
      const first = componentDir(ctx, b);
      expect(first).toMatch(new RegExp(`^/cache/cert-manager-${versions.CERT_MANAGER_VERSION}-[0-9a-f]{12}$`));
      expect(componentDir(ctx, b)).toBe(first);
      writeFileSync(main, 'package main\n\nfunc main() {}\n');
      expect(componentDir(ctx, b)).not.toBe(first);
      // A module's own commands are keyed by version only.
      expect(componentDir(ctx, goBuilds(versions).find(x => x.component === 'traefik')!)).toBe(
        `/cache/traefik-${versions.TRAEFIK_VERSION}`,
      );
    } finally {
      rmSync(repoRoot, { recursive: true, force: true });
    }
  });

  it('builds every component K3s bundles, each at a version pinned in infra/versions.env', () => {
    const builds = goBuilds(versions);
    expect(builds.map(b => b.component)).toEqual(
      expect.arrayContaining([
        'kubernetes',
        'kubernetes-node',
        'cni-plugins',
        'cni-flannel',
        'flannel',
        'kube-router',
        'coredns',
        'local-path-provisioner',
        'velero',
        'traefik',
      ]),
    );
    for (const b of builds) expect(b.version).toMatch(/^v\d+\.\d+\.\d+$/);
    const node = builds.find(b => b.component === 'kubernetes-node')!;
    expect(node.packages).toEqual([
      'k8s.io/kubernetes/cmd/kubelet',
      'k8s.io/kubernetes/cmd/kube-proxy',
    ]);
  });

  it('maps local replace directives to the published modules and keeps the others', () => {
    const gomod = [
      'module k8s.io/kubernetes',
      '',
      'go 1.25.0',
      '',
      'replace (',
      '\tk8s.io/api => ./staging/src/k8s.io/api',
      '\tgithub.com/x/y => github.com/x/y v1.2.3 // pinned',
      ')',
      'replace k8s.io/client-go => ./staging/src/k8s.io/client-go',
    ].join('\n');
    const out = wrapperGoMod(
      {
        component: 'kubernetes',
        version: 'v1.35.4',
        how: 'wrapped',
        module: 'k8s.io/kubernetes',
        packages: [],
        localReplaceVersion: 'v0.35.4',
      },
      gomod,
    );
    expect(out).toContain('require k8s.io/kubernetes v1.35.4');
    expect(out).toContain('\tk8s.io/api => k8s.io/api v0.35.4');
    expect(out).toContain('\tk8s.io/client-go => k8s.io/client-go v0.35.4');
    expect(out).toContain('\tgithub.com/x/y => github.com/x/y v1.2.3');
    expect(out).toContain('go 1.25.0');
  });

  it('refuses a local replace without a published version to map it to', () => {
    expect(() =>
      wrapperGoMod(
        { component: 'x', version: 'v1.0.0', how: 'wrapped', module: 'x', packages: [] },
        'module x\nreplace a => ./a\n',
      ),
    ).toThrow('local replace "a => ./a" needs a localReplaceVersion');
  });

  it('leaves out a blank import, and fails when it is not there', () => {
    const main = 'import (\n\t"fmt"\n\t_ "example.com/a/tencentvpc"\n\t_ "example.com/a/vxlan"\n)\n';
    expect(dropBlankImports(main, ['example.com/a/tencentvpc'])).toBe(
      'import (\n\t"fmt"\n\t_ "example.com/a/vxlan"\n)\n',
    );
    expect(() => dropBlankImports(main, ['example.com/a/nothere'])).toThrow(
      'no blank import of example.com/a/nothere to leave out',
    );
  });
});

describe('images', () => {
  it('change their content key when a file that goes in changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-img-'));
    try {
      const file = join(dir, 'coredns');
      writeFileSync(file, 'v1');
      const recipe: ImageRecipe = {
        name: 'coredns',
        tag: 'v1.14.7',
        files: { '/coredns': file },
        busybox: false,
        entrypoint: ['/coredns'],
      };
      const first = imageKey(recipe, recipe.files);
      expect(imageKey(recipe, recipe.files)).toBe(first);
      writeFileSync(file, 'v2');
      expect(imageKey(recipe, recipe.files)).not.toBe(first);
      expect(imageKey(recipe, { '/usr/bin/coredns': file })).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('take whole folders, leave out the skipped paths, and bring the libraries their programs load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uyoop-img-'));
    try {
      mkdirSync(join(dir, 'bin'));
      mkdirSync(join(dir, 'man'));
      copyFileSync('/bin/ls', join(dir, 'bin', 'ls'));
      writeFileSync(join(dir, 'man', 'ls.1'), 'manual');
      const recipe: ImageRecipe = {
        name: 'tools',
        tag: 'v1',
        files: {},
        trees: [dir],
        treesSkip: ['/man/'],
        withLibraries: true,
        busybox: false,
        entrypoint: [join(dir, 'bin', 'ls')],
      };
      const files = await resolveFiles(createContext({ run: zxRunner }), recipe);
      expect(files[join(dir, 'bin', 'ls')]).toBe(join(dir, 'bin', 'ls'));
      expect(Object.keys(files).some(f => f.includes('/man/'))).toBe(false);
      // ls loads the C library and the dynamic loader, found by ldd
      expect(Object.keys(files).some(f => /\/libc\.so\.6$/.test(f))).toBe(true);
      expect(Object.keys(files).some(f => /ld-linux-x86-64\.so\.2$/.test(f))).toBe(true);
      await expect(
        resolveFiles(createContext({ run: zxRunner }), { ...recipe, trees: [join(dir, 'nothere')] }),
      ).rejects.toThrow(`${join(dir, 'nothere')} is missing on this machine`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node configuration', () => {
  let settings: NodeSettings;
  beforeAll(async () => {
    const platform = await loadPlatform();
    settings = {
      node: platform.nodes.find(n => n.name === 'ai-lab')!,
      labAddress: '198.18.0.12',
      apiserver: 'https://198.18.0.1:27443',
      clusterCidr: '10.42.0.0/16',
      serviceCidr: '10.43.0.0/16',
      clusterDns: '10.43.0.10',
      pauseImage: 'uyoop.local/pause:v1',
      kubeletExtraArgs: [],
    };
  });

  it('runs the kubelet on cgroup v1 with the catalog taints and the cluster DNS', () => {
    const c = JSON.parse(kubeletConfig(settings));
    expect(c).toMatchObject({
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      clusterDNS: ['10.43.0.10'],
      registerWithTaints: settings.node.taints,
      readOnlyPort: 0,
      authentication: { anonymous: { enabled: false } },
    });
    expect(c.evictionHard['memory.available']).toBeUndefined();
    expect(JSON.parse(kubeProxyConfig(settings)).mode).toBe('iptables');
  });

  it('puts the kubelet on the mesh address and flannel on wg0', () => {
    const units = nodeUnits(settings);
    expect(units['kubelet.service']).toContain(`--node-ip=${settings.node.meshAddress}`);
    expect(units['flanneld.service']).toContain('--iface=wg0');
    expect(units['kube-router.service']).toContain('--run-router=false');
  });

  it('declares the catalog memory to cAdvisor', () => {
    const host = 'MemTotal:       24000000 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nBuffers:    1 kB';
    const { meminfo } = hardwareFiles(settings.node, host);
    const kb = settings.node.memoryGiB * 1024 * 1024;
    expect(meminfo).toContain(`MemTotal:       ${kb} kB`);
    expect(meminfo).toContain(`MemFree:        ${kb} kB`);
    expect(meminfo).toContain('Buffers:    1 kB');
  });

  it('writes wg0 from the mesh plan: one peer per other node, its mesh address only', async () => {
    const platform = await loadPlatform();
    const plan = planMesh(platform, { 'core-prod': '198.18.0.11', 'ai-lab': '198.18.0.12' });
    const conf = wireguardConfig(plan, 'ai-lab', 'PRIVATE', {
      'core-prod': 'PUB-CORE',
      'ai-lab': 'PUB-AI',
    });
    expect(conf).toContain('Address = 10.80.0.2/24');
    expect(conf).toContain('PrivateKey = PRIVATE');
    expect(conf).toContain('PublicKey = PUB-CORE');
    expect(conf).toContain('AllowedIPs = 10.80.0.1/32');
    expect(conf).toContain('Endpoint = 198.18.0.11:51820');
    expect(conf).not.toContain('PUB-AI');
    expect(() => wireguardConfig(plan, 'nowhere', 'K', {})).toThrow(
      'node nowhere is not in the mesh plan',
    );
  });
});

describe("the testbed's CoreDNS", () => {
  const rule = (domains: string[]) => new RegExp(corefile(domains).match(/name regex (\S+) /)![1]);

  it("answers the platform's domains, and names under them, with Traefik's Service", () => {
    const text = corefile(['uyoop.fr']);
    expect(text).toContain('traefik.kube-system.svc.cluster.local.');
    expect(text).toContain('answer auto');
    for (const name of ['uyoop.fr.', 'www.uyoop.fr.', 'a.b.uyoop.fr.']) expect(rule(['uyoop.fr']).test(name)).toBe(true);
  });

  it('leaves every other name to the cluster, even one that ends like the domain', () => {
    for (const name of ['notuyoop.fr.', 'uyoop.fr.evil.', 'uyoopxfr.', 'kubernetes.default.svc.cluster.local.'])
      expect(rule(['uyoop.fr']).test(name)).toBe(false);
    expect(corefile([])).not.toContain('rewrite');
  });
});
