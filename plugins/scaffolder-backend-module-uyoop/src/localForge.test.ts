import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zxRunner } from '@internal/platform';
import { LocalForge } from './localForge';

describe('the local forge (real git)', () => {
  let dir: string;
  let forge: LocalForge;
  const commit = {
    message: 'first',
    author: 'Dev',
    email: 'dev@uyoop.fr',
  };

  /** A workspace with these files. */
  const workspace = async (name: string, files: Record<string, string>) => {
    const folder = join(dir, 'workspaces', name);
    await mkdir(folder, { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(folder, path, '..'), { recursive: true });
      await writeFile(join(folder, path), text);
    }
    return folder;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'uyoop-forge-'));
    forge = new LocalForge(
      join(dir, 'repos'),
      'http://localhost:7007/api/scaffolder/repos',
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('publishes a workspace as one commit on main, and serves its files', async () => {
    const folder = await workspace('hello', {
      'catalog-info.yaml': 'kind: Component\n',
      'src/server.ts': 'export {};\n',
    });
    const hash = await forge.publish('hello', folder, commit);
    const log = await zxRunner.run('git', [
      '--git-dir',
      forge.bare('hello'),
      'log',
      '--format=%H %an <%ae> %s',
      'main',
    ]);
    expect(log.stdout.trim()).toBe(`${hash} Dev <dev@uyoop.fr> first`);
    expect(await forge.files('hello')).toEqual([
      'catalog-info.yaml',
      'src/server.ts',
    ]);
    expect(await forge.file('hello', 'src/server.ts')).toBe('export {};\n');
    expect(forge.contentsUrl('hello')).toBe(
      'http://localhost:7007/api/scaffolder/repos/hello/raw',
    );
  });

  it('refuses a bad name, naming the field, and a name that is taken, touching nothing', async () => {
    const folder = await workspace('a', { 'README.md': 'a\n' });
    await expect(forge.publish('Bad;Name', folder, commit)).rejects.toThrow(
      /^name: /,
    );
    await forge.publish('taken', folder, commit);
    const other = await workspace('b', { 'README.md': 'b\n' });
    await expect(forge.publish('taken', other, commit)).rejects.toThrow(
      'name: repository taken already exists',
    );
    expect(await forge.file('taken', 'README.md')).toBe('a\n');
  });

  it('answers a missing file, a folder and a climbing path with a clear error', async () => {
    await forge.publish(
      'hello',
      await workspace('hello', { 'docs/index.md': '# hi\n' }),
      commit,
    );
    await expect(forge.file('hello', 'nope.txt')).rejects.toThrow(
      'hello has no file nope.txt on main',
    );
    await expect(forge.file('hello', 'docs')).rejects.toThrow(
      'hello has no file docs on main',
    );
    await expect(forge.file('hello', 'docs/../../x')).rejects.toThrow(
      'path: "docs/../../x" is not a file path',
    );
    await expect(forge.files('elsewhere')).rejects.toThrow(
      'no repository elsewhere in the local forge',
    );
  });

  it('leaves no half-made repository when the commit fails: the name stays free', async () => {
    const empty = await workspace('empty', {});
    await expect(forge.publish('hello', empty, commit)).rejects.toThrow(
      /nothing to commit/,
    );
    expect(await readdir(join(dir, 'repos'))).toEqual([]);
    await forge.publish(
      'hello',
      await workspace('full', { 'README.md': 'hi\n' }),
      commit,
    );
    expect(await forge.files('hello')).toEqual(['README.md']);
  });
});
