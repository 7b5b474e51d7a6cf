/**
 * What a real node carries besides the Debian packages: the configuration of
 * the components that K3s's agent bundles (containerd, kubelet, kube-proxy,
 * flannel on wg0, kube-router's NetworkPolicy controller), their systemd
 * units, and the WireGuard interface. Pure functions: text in, text out.
 */
import type { MeshPlan } from '@internal/provision';
import type { PlatformNode } from '@internal/platform';

/** Where the node sees what the host lends it (bind mounts, read-only). */
export const inNode = {
  k8s: '/opt/uyoop/k8s',
  flannel: '/opt/uyoop/flannel',
  kubeRouter: '/opt/uyoop/kube-router',
  cniPlugins: '/opt/uyoop/cni-plugins',
  cniFlannel: '/opt/uyoop/cni-flannel',
  images: '/opt/uyoop/images',
  etc: '/etc/uyoop',
  pki: '/etc/uyoop/pki',
  logs: '/var/log/uyoop',
  storage: '/var/lib/rancher/k3s/storage',
};

export interface NodeSettings {
  node: PlatformNode;
  /** The node's address on the lab bridge (its "public" address). */
  labAddress: string;
  apiserver: string;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  pauseImage: string;
  kubeletExtraArgs: string[];
}

export function kubeletConfig(s: NodeSettings): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // This machine's kernel has cgroup v1 only, and no systemd as PID 1.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupsPerQOS: true,
      enforceNodeAllocatable: ['pods'],
      containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
      readOnlyPort: 0,
      failSwapOn: false,
      protectKernelDefaults: false,
      clusterDomain: 'cluster.local',
      clusterDNS: [s.clusterDns],
      resolvConf: `${inNode.etc}/resolv.conf`,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: `${inNode.pki}/ca.crt` },
      },
      authorization: { mode: 'Webhook' },
      tlsCertFile: `${inNode.pki}/kubelet-serving.crt`,
      tlsPrivateKeyFile: `${inNode.pki}/kubelet-serving.key`,
      registerWithTaints: s.node.taints,
      serializeImagePulls: false,
      // No memory threshold: allocatable equals the catalog's capacity, as
      // FinOps reads it; disk thresholds stay (the host's disk is shared).
      evictionHard: {
        'nodefs.available': '2%',
        'imagefs.available': '2%',
        'nodefs.inodesFree': '2%',
      },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
    },
    null,
    2,
  );
}

export function kubeProxyConfig(s: NodeSettings): string {
  return JSON.stringify(
    {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'iptables',
      clusterCIDR: s.clusterCidr,
      hostnameOverride: s.node.name,
      clientConnection: { kubeconfig: `${inNode.etc}/kube-proxy.kubeconfig` },
      // 0: leave the conntrack sysctls as they are (host-wide here).
      conntrack: {
        maxPerCore: 0,
        min: 0,
        tcpEstablishedTimeout: '0s',
        tcpCloseWaitTimeout: '0s',
      },
      metricsBindAddress: '127.0.0.1:10249',
      healthzBindAddress: '127.0.0.1:10256',
    },
    null,
    2,
  );
}

/** flannel's network config: VXLAN, as K3s's default backend. */
export const flannelNetConf = (s: NodeSettings) =>
  JSON.stringify({ Network: s.clusterCidr, Backend: { Type: 'vxlan' } });

/** The CNI config K3s writes: flannel, delegating to the bridge plugin, and portmap. */
export const cniConflist = () =>
  JSON.stringify(
    {
      name: 'cbr0',
      cniVersion: '0.3.1',
      plugins: [
        {
          type: 'flannel',
          delegate: { hairpinMode: true, forceAddress: true, isDefaultGateway: true },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );

export const containerdConfig = (s: NodeSettings) => `# Written by the testbed engine.
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${s.pauseImage}"
  # no CAP_SYS_RESOURCE here: runc must not lower oom_score_adj
  restrict_oom_score_adj = true

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
`;

/** wg-quick's configuration for one node, from the mesh plan (the Ansible role's generator). */
export function wireguardConfig(
  plan: MeshPlan,
  node: string,
  privateKey: string,
  publicKeys: Record<string, string>,
): string {
  const self = plan.nodes.find(n => n.node === node);
  if (!self) throw new Error(`node ${node} is not in the mesh plan`);
  const prefix = plan.cidr.split('/')[1];
  return [
    '# Written by the testbed engine from the mesh plan (planMesh).',
    '[Interface]',
    `Address = ${self.address}/${prefix}`,
    `ListenPort = ${plan.port}`,
    `PrivateKey = ${privateKey}`,
    ...self.peers.flatMap(p => [
      '',
      `# ${p.node}`,
      '[Peer]',
      `PublicKey = ${publicKeys[p.node]}`,
      `AllowedIPs = ${p.allowedIps}`,
      `Endpoint = ${p.endpoint}`,
      // as the Ansible role's default (wireguard_persistent_keepalive)
      'PersistentKeepalive = 25',
    ]),
    '',
  ].join('\n');
}

interface Unit {
  name: string;
  description: string;
  after?: string[];
  requires?: string[];
  type?: 'oneshot' | 'simple';
  exec: string;
  env?: Record<string, string>;
}

const renderUnit = (u: Unit) =>
  [
    '# Written by the testbed engine.',
    '[Unit]',
    `Description=${u.description}`,
    ...(u.after?.length ? [`After=${u.after.join(' ')}`] : []),
    ...(u.requires?.length ? [`Requires=${u.requires.join(' ')}`] : []),
    '',
    '[Service]',
    `Type=${u.type ?? 'simple'}`,
    ...(u.type === 'oneshot'
      ? ['RemainAfterExit=yes', 'TimeoutStartSec=180']
      : ['Restart=always', 'RestartSec=2', 'KillMode=process']),
    ...Object.entries(u.env ?? {}).map(([k, v]) => `Environment=${k}=${v}`),
    `ExecStart=${u.exec}`,
    `StandardOutput=append:${inNode.logs}/${u.name}.log`,
    `StandardError=append:${inNode.logs}/${u.name}.log`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

/** The node's own units; each logs to /var/log/uyoop/<unit>.log. */
export function nodeUnits(s: NodeSettings): Record<string, string> {
  const name = s.node.name;
  const units: Unit[] = [
    {
      name: 'uyoop-cgroups',
      description: 'Writable cgroup controllers for the kubelet and runc',
      type: 'oneshot',
      exec: `/bin/sh -c 'for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d" || true; done'`,
    },
    {
      // The catalog's memory, mounted where cAdvisor reads it.
      name: 'uyoop-hardware',
      description: "The node's hardware as the catalog states it",
      type: 'oneshot',
      exec: `/bin/mount --bind ${inNode.etc}/hardware/meminfo /proc/meminfo`,
    },
    {
      name: 'uyoop-network',
      description: 'Wait for the lab link (moved in after boot)',
      type: 'oneshot',
      exec: `/bin/sh -c 'for i in $(seq 600); do ip -4 addr show dev eth0 | grep -q inet && exit 0; sleep 0.1; done; exit 1'`,
    },
    {
      name: 'uyoop-images',
      description: 'Import the testbed images into containerd (no registry)',
      type: 'oneshot',
      after: ['containerd.service'],
      requires: ['containerd.service'],
      exec: `/bin/sh -c 'while read -r archive base; do ctr -n k8s.io images import --base-name "$base" "${inNode.images}/$archive" || exit 1; done < ${inNode.etc}/images.list'`,
    },
    {
      name: 'kubelet',
      description: 'Kubernetes node agent',
      after: [
        'uyoop-images.service',
        'wg-quick@wg0.service',
        'uyoop-cgroups.service',
        'uyoop-hardware.service',
      ],
      requires: ['uyoop-images.service', 'uyoop-hardware.service'],
      exec: [
        `${inNode.k8s}/kubelet`,
        `--config=${inNode.etc}/kubelet.json`,
        `--kubeconfig=${inNode.etc}/kubelet.kubeconfig`,
        // K3s on the mesh: the node's address is its wg0 address
        `--node-ip=${s.node.meshAddress}`,
        `--hostname-override=${name}`,
        '--v=1',
        ...s.kubeletExtraArgs,
      ].join(' '),
    },
    {
      name: 'kube-proxy',
      description: 'Kubernetes service proxy (iptables)',
      after: ['kubelet.service'],
      exec: `${inNode.k8s}/kube-proxy --config=${inNode.etc}/kube-proxy.json --v=1`,
    },
    {
      name: 'flanneld',
      description: 'flannel VXLAN on wg0, as K3s runs it with --flannel-iface',
      after: ['wg-quick@wg0.service', 'kubelet.service'],
      env: { NODE_NAME: name },
      exec: [
        `${inNode.flannel}/flannel`,
        '--kube-subnet-mgr',
        `--kubeconfig-file=${inNode.etc}/k3s-controller.kubeconfig`,
        '--iface=wg0',
        '--ip-masq',
        `--net-config-path=${inNode.etc}/flannel-net-conf.json`,
      ].join(' '),
    },
    {
      name: 'kube-router',
      description: "NetworkPolicy controller, as K3s's agent embeds it",
      after: ['kubelet.service'],
      exec: [
        `${inNode.kubeRouter}/kube-router`,
        `--kubeconfig=${inNode.etc}/k3s-controller.kubeconfig`,
        '--run-firewall=true',
        '--run-router=false',
        '--run-service-proxy=false',
        '--enable-cni=false',
        `--hostname-override=${name}`,
        `--service-cluster-ip-range=${s.serviceCidr}`,
        '--metrics-port=0',
        '--health-port=0',
      ].join(' '),
    },
  ];
  const out: Record<string, string> = {};
  for (const u of units) out[`${u.name}.service`] = renderUnit(u);
  return out;
}

/** Drop-ins that order Debian's own units after the node's preparation. */
export const nodeDropIns: Record<string, string> = {
  'containerd.service.d/uyoop.conf':
    '[Unit]\nAfter=uyoop-cgroups.service\nRequires=uyoop-cgroups.service\n',
  'wg-quick@wg0.service.d/uyoop.conf':
    '[Unit]\nAfter=uyoop-network.service\nRequires=uyoop-network.service\n',
};

/** Units enabled at boot (multi-user.target.wants), with their unit file. */
export const enabledUnits: Record<string, string> = {
  'uyoop-cgroups.service': '/etc/systemd/system/uyoop-cgroups.service',
  'uyoop-network.service': '/etc/systemd/system/uyoop-network.service',
  'uyoop-hardware.service': '/etc/systemd/system/uyoop-hardware.service',
  'uyoop-images.service': '/etc/systemd/system/uyoop-images.service',
  'wg-quick@wg0.service': '/lib/systemd/system/wg-quick@.service',
  'kubelet.service': '/etc/systemd/system/kubelet.service',
  'kube-proxy.service': '/etc/systemd/system/kube-proxy.service',
  'flanneld.service': '/etc/systemd/system/flanneld.service',
  'kube-router.service': '/etc/systemd/system/kube-router.service',
};

export const nodeSysctls = [
  'net.ipv4.ip_forward = 1',
  'net.bridge.bridge-nf-call-iptables = 1',
  'net.ipv4.conf.all.rp_filter = 0',
  '',
].join('\n');

/**
 * The node's memory as the catalog states it, in the file the kubelet's
 * cAdvisor reads (/etc/uyoop/hardware/meminfo, mounted over /proc/meminfo by
 * the uyoop-hardware unit). The vCPUs cannot be declared the same way: on
 * cgroup v1 the kubelet writes every CPU it counts into the kubepods cpuset,
 * and the kernel refuses CPUs this machine does not have.
 */
export function hardwareFiles(node: PlatformNode, hostMeminfo: string): Record<string, string> {
  const kb = node.memoryGiB * 1024 * 1024;
  const meminfo = hostMeminfo
    .split('\n')
    .map(line => {
      const m = /^(MemTotal|MemFree|MemAvailable):\s+(\d+) kB$/.exec(line);
      if (!m) return line;
      const value = m[1] === 'MemTotal' ? kb : Math.min(Number(m[2]), kb);
      return `${`${m[1]}:`.padEnd(16)}${String(value).padStart(8)} kB`;
    })
    .join('\n');
  return { meminfo };
}
