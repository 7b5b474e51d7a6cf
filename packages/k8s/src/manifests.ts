import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './render';

/** What a manifests path holds: its objects, and every problem found on the way. */
export interface Manifests {
  objects: KubeObject[];
  /** `file: reason`, one per document that does not parse or is not an object, or for the path itself. */
  problems: string[];
}

/**
 * Reads a YAML file, or the `*.yaml`/`*.yml` files of a folder in name order,
 * and collects every problem at once rather than stopping at the first: a
 * path that does not exist, a folder without YAML, a document that does not
 * parse, one that is not a Kubernetes object. `show` names a file in the
 * problems (default: its path).
 */
export async function collectManifests(
  path: string,
  show: (file: string) => string = f => f,
): Promise<Manifests> {
  const info = await stat(path).catch(() => undefined);
  if (!info)
    return { objects: [], problems: [`${show(path)}: no such file or folder`] };
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter(f => /\.ya?ml$/.test(f))
        .sort()
        .map(f => join(path, f))
    : [path];
  if (files.length === 0)
    return { objects: [], problems: [`${show(path)} holds no .yaml file`] };
  const objects: KubeObject[] = [];
  const problems: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) {
        problems.push(`${show(file)}: ${doc.errors[0].message}`);
        continue;
      }
      const o = doc.toJSON() as Partial<KubeObject> | null | undefined;
      if (o === null || o === undefined) continue;
      if (typeof o !== 'object' || !o.kind || !o.apiVersion)
        problems.push(`${show(file)}: a document is not a Kubernetes object`);
      else objects.push(o as KubeObject);
    }
  }
  return { objects, problems };
}
