import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRunner } from './runner';

/** Where the K3s join token lives, encrypted: SOPS (age recipients) or plain age. */
export const k3sTokenFiles = ['k3s-token.sops.yaml', 'k3s-token.age'];

export class SecretError extends Error {}

/**
 * Decrypts the K3s join token from infra/ansible/secrets/. The age identity
 * comes from SOPS_AGE_KEY_FILE, the variable sops itself reads.
 */
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
  const identity = env.SOPS_AGE_KEY_FILE;
  if (!identity) {
    throw new SecretError(
      `SOPS_AGE_KEY_FILE is not set: point it at the age identity that decrypts ${file}`,
    );
  }
  const r = file.endsWith('.sops.yaml')
    ? await runner.run(
        'sops',
        ['--decrypt', '--extract', '["k3s_token"]', file],
        {
          env: { SOPS_AGE_KEY_FILE: identity },
        },
      )
    : await runner.run('age', ['--decrypt', '--identity', identity, file]);
  if (r.code !== 0) {
    throw new SecretError(
      `cannot decrypt ${file}: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  }
  const token = r.stdout.trim();
  if (token.length < 16)
    throw new SecretError(`${file} holds a token shorter than 16 characters`);
  return token;
}
