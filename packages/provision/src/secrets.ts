import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRunner } from '@internal/platform';

/** Where the K3s join token lives, encrypted: SOPS (age recipients) or plain age. */
export const k3sTokenFiles = ['k3s-token.sops.yaml', 'k3s-token.age'];

/** Where a node's pre-generated WireGuard private key lives, if it has one. */
export const wireguardKeyFiles = (node: string) => [
  `wireguard-${node}.sops.yaml`,
  `wireguard-${node}.age`,
];

export class SecretError extends Error {}

/**
 * Decrypts one secret: a SOPS file (value under `sopsKey`) or a plain age
 * file. The age identity comes from SOPS_AGE_KEY_FILE, the variable sops
 * itself reads.
 */
async function decrypt(
  file: string,
  sopsKey: string,
  runner: ProcessRunner,
  env: Record<string, string | undefined>,
): Promise<string> {
  const identity = env.SOPS_AGE_KEY_FILE;
  if (!identity) {
    throw new SecretError(
      `SOPS_AGE_KEY_FILE is not set: point it at the age identity that decrypts ${file}`,
    );
  }
  const r = file.endsWith('.sops.yaml')
    ? await runner.run(
        'sops',
        ['--decrypt', '--extract', `["${sopsKey}"]`, file],
        { env: { SOPS_AGE_KEY_FILE: identity }, allowFail: true },
      )
    : await runner.run('age', ['--decrypt', '--identity', identity, file], {
        allowFail: true,
      });
  if (r.code !== 0) {
    throw new SecretError(
      `cannot decrypt ${file}: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  }
  return r.stdout.trim();
}

/** Decrypts the K3s join token from infra/ansible/secrets/. */
export async function loadK3sToken(
  secretsDir: string,
  runner: ProcessRunner,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const file = k3sTokenFiles
    .map(f => join(secretsDir, f))
    .find(f => existsSync(f));
  if (!file) {
    throw new SecretError(
      `no K3s join token in ${secretsDir}: create ${k3sTokenFiles[0]} with sops (age recipients in .sops.yaml) or ${k3sTokenFiles[1]} with age -r <recipient>`,
    );
  }
  const token = await decrypt(file, 'k3s_token', runner, env);
  if (token.length < 16)
    throw new SecretError(`${file} holds a token shorter than 16 characters`);
  return token;
}

/**
 * The pre-generated WireGuard private keys of the nodes that have one in
 * infra/ansible/secrets/ (SOPS key `wireguard_private_key`, or plain age).
 * A node without such a file generates its own key, which never leaves it.
 */
export async function loadWireguardKeys(
  secretsDir: string,
  nodes: string[],
  runner: ProcessRunner,
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const node of nodes) {
    const file = wireguardKeyFiles(node)
      .map(f => join(secretsDir, f))
      .find(f => existsSync(f));
    if (!file) continue;
    const key = await decrypt(file, 'wireguard_private_key', runner, env);
    if (!/^[A-Za-z0-9+/]{43}=$/.test(key))
      throw new SecretError(
        `${file} does not hold a WireGuard private key (wg genkey's 44 base64 characters)`,
      );
    keys[node] = key;
  }
  return keys;
}
