/**
 * The testbed's certificates: a throw-away CA per cold start (openssl), the
 * API server's serving certificate, and client certificates for each
 * component. Nodes get their own (system:node:<name>, the Node authorizer's
 * identity), as K3s issues them to its agents.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { firstServiceIp, paths, TestbedContext } from './context';

export interface CertSpec {
  name: string;
  /** openssl subject, e.g. /O=system:masters/CN=testbed-admin */
  subject: string;
  usage: 'server' | 'client' | 'both';
  sans?: { ip?: string[]; dns?: string[] };
}

const pkiDir = (ctx: TestbedContext) => paths(ctx).pki;

export const certFiles = (ctx: TestbedContext, name: string) => ({
  cert: join(pkiDir(ctx), `${name}.crt`),
  key: join(pkiDir(ctx), `${name}.key`),
});

export function extensions(spec: CertSpec): string {
  const eku = {
    server: 'serverAuth',
    client: 'clientAuth',
    both: 'serverAuth,clientAuth',
  }[spec.usage];
  const sans = [
    ...(spec.sans?.ip ?? []).map(ip => `IP:${ip}`),
    ...(spec.sans?.dns ?? []).map(d => `DNS:${d}`),
  ];
  return [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
  ].join('\n');
}

/** Issues one certificate from the testbed CA unless it exists. */
export async function issue(ctx: TestbedContext, spec: CertSpec) {
  const dir = pkiDir(ctx);
  const { cert, key } = certFiles(ctx, spec.name);
  if (existsSync(cert)) return;
  const csr = join(dir, `${spec.name}.csr`);
  const ext = join(dir, `${spec.name}.ext`);
  await ctx.run.run('openssl', [
    'req', '-new', '-newkey', 'rsa:2048', '-nodes',
    '-keyout', key, '-subj', spec.subject, '-out', csr,
  ]);
  writeFileSync(ext, `${extensions(spec)}\n`);
  await ctx.run.run('openssl', [
    'x509', '-req', '-in', csr,
    '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial',
    '-days', '365', '-extfile', ext, '-out', cert,
  ]);
  rmSync(csr);
  rmSync(ext);
  chmodSync(key, 0o600);
}

/** The CA, the service-account key pair and the control plane's certificates. */
export async function createControlPlanePki(ctx: TestbedContext) {
  const dir = pkiDir(ctx);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(dir, 'ca.crt'))) {
    await ctx.run.run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365',
      '-subj', '/CN=uyoop-testbed-ca',
      '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'),
    ]);
    await ctx.run.run('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048']);
    await ctx.run.run('openssl', [
      'rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub'),
    ]);
  }
  const client = (name: string, subject: string): CertSpec => ({
    name,
    subject,
    usage: 'client',
  });
  for (const spec of [
    {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      usage: 'server' as const,
      sans: {
        ip: [ctx.addr, ctx.lab.hostAddress, firstServiceIp(ctx.serviceCidr)],
        dns: [
          'localhost',
          'kubernetes',
          'kubernetes.default',
          'kubernetes.default.svc',
          'kubernetes.default.svc.cluster.local',
        ],
      },
    },
    client('admin', '/O=system:masters/CN=testbed-admin'),
    client('controller-manager', '/CN=system:kube-controller-manager'),
    client('scheduler', '/CN=system:kube-scheduler'),
    // The API server's identity towards the kubelets (logs, exec).
    client('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client'),
    client('kube-proxy', '/CN=system:kube-proxy'),
    // What K3s's agent uses for flannel and the NetworkPolicy controller.
    client('k3s-controller', '/CN=system:k3s-controller'),
  ])
    await issue(ctx, spec);
}

/** A kubeconfig for one of the testbed's certificates. */
export function writeKubeconfig(
  ctx: TestbedContext,
  file: string,
  cert: string,
  server: string,
  /** Where the files will be seen from (a node sees the PKI at another path). */
  pkiPath = pkiDir(ctx),
) {
  const text = `apiVersion: v1
kind: Config
clusters:
- name: uyoop-testbed
  cluster:
    server: ${server}
    certificate-authority: ${pkiPath}/ca.crt
users:
- name: ${cert}
  user:
    client-certificate: ${pkiPath}/${cert}.crt
    client-key: ${pkiPath}/${cert}.key
contexts:
- name: uyoop-testbed
  context: {cluster: uyoop-testbed, user: ${cert}}
current-context: uyoop-testbed
`;
  writeFileSync(file, text, { mode: 0o600 });
}
