import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSync, zxRunner } from '@internal/platform';
import { SecretError, loadWireguardKeys } from './secrets';

/** A secrets folder with an age identity, as an admin keeps it (real age). */
function secretsFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'uyoop-secrets-'));
  const identity = join(dir, 'age.key');
  runSync('age-keygen', ['-o', identity]);
  const recipient = runSync('age-keygen', ['-y', identity]).stdout.trim();
  const encrypt = (name: string, text: string) =>
    runSync('age', ['-r', recipient, '-o', join(dir, name)], { input: text });
  return { dir, env: { SOPS_AGE_KEY_FILE: identity }, encrypt };
}

describe('pre-generated WireGuard keys', () => {
  it('are decrypted from SOPS/age for the nodes that have one; the others generate their own', async () => {
    const { dir, env, encrypt } = secretsFolder();
    const key = runSync('wg', ['genkey']).stdout.trim();
    encrypt('wireguard-ai-lab.age', `${key}\n`);
    await expect(
      loadWireguardKeys(dir, ['core-prod', 'ai-lab'], zxRunner, env),
    ).resolves.toEqual({ 'ai-lab': key });
  }, 30_000);

  it('are refused when the file holds something else, naming the file', async () => {
    const { dir, env, encrypt } = secretsFolder();
    encrypt('wireguard-core-prod.age', 'not a key\n');
    const load = loadWireguardKeys(dir, ['core-prod'], zxRunner, env);
    await expect(load).rejects.toThrow(SecretError);
    await expect(
      loadWireguardKeys(dir, ['core-prod'], zxRunner, env),
    ).rejects.toThrow(
      `${join(
        dir,
        'wireguard-core-prod.age',
      )} does not hold a WireGuard private key`,
    );
  }, 30_000);

  it('need the age identity', async () => {
    const { dir, encrypt } = secretsFolder();
    encrypt('wireguard-core-prod.age', 'x');
    await expect(
      loadWireguardKeys(dir, ['core-prod'], zxRunner, {}),
    ).rejects.toThrow(/SOPS_AGE_KEY_FILE is not set/);
  }, 30_000);
});
