import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './load';

/** Parses infra/versions.env (KEY=VALUE lines, `#` comments), as bash `source` reads it. */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`infra/versions.env: cannot read line "${line}"`);
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export async function readVersions(
  root: string = repoRoot,
): Promise<Record<string, string>> {
  return parseVersionsEnv(
    await readFile(join(root, 'infra', 'versions.env'), 'utf8'),
  );
}
