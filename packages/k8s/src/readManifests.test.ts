import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DeployError, readManifests } from './deploy';
import { collectManifests } from './manifests';

describe('yarn deploy --manifests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'uyoop-manifests-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ns = (name: string) =>
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

  it("reads every object of a folder's YAML files, in file order, and of a single file", async () => {
    await writeFile(join(dir, 'b.yaml'), `${ns('b')}---\n${ns('c')}`);
    await writeFile(join(dir, 'a.yaml'), `# header\n---\n${ns('a')}`);
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    expect((await readManifests(dir)).map(o => o.metadata.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(
      (await readManifests(join(dir, 'b.yaml'))).map(o => o.metadata.name),
    ).toEqual(['b', 'c']);
  });

  it('names the file that does not parse, the path that does not exist, and a folder without YAML', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'kind: [Namespace\n');
    await expect(readManifests(dir)).rejects.toThrow(
      new RegExp(`^${join(dir, 'bad.yaml')}: `),
    );
    await expect(readManifests(join(dir, 'missing'))).rejects.toThrow(
      DeployError,
    );
    await expect(readManifests(join(dir, 'missing'))).rejects.toThrow(
      /missing: no such file or folder/,
    );
    const empty = await mkdtemp(join(tmpdir(), 'uyoop-manifests-empty-'));
    try {
      await expect(readManifests(empty)).rejects.toThrow(
        /holds no \.yaml file/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('names every bad document at once, each by its file: one that does not parse, one that is not an object', async () => {
    await writeFile(join(dir, 'a.yaml'), 'kind: [Namespace\n');
    await writeFile(join(dir, 'b.yaml'), `- just\n- a list\n---\n${ns('ok')}`);
    const read = await collectManifests(dir, f => relative(dir, f));
    expect(read.objects.map(o => o.metadata.name)).toEqual(['ok']);
    expect(read.problems).toEqual([
      expect.stringMatching(/^a\.yaml: .+/),
      'b.yaml: a document is not a Kubernetes object',
    ]);
    await expect(readManifests(dir)).rejects.toThrow(
      /a\.yaml: [\s\S]+\n\S*b\.yaml: a document is not a Kubernetes object$/,
    );
  });
});
