/*
 * A local stand-in for GitLab, for the tests of what production does with it:
 * Backstage's `publish:gitlab` action (@gitbeaker/rest for the API,
 * isomorphic-git for the push) and the catalog's `GitlabUrlReader`. It speaks
 * the real protocols on a loopback port: the REST v4 subset those clients call,
 * with GitLab's status codes and JSON shapes, and git smart HTTP served by
 * Debian's `git http-backend` from real bare repositories.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  IncomingMessage as Req,
  ServerResponse as Res,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zxRunner } from '@internal/platform';

export interface GitlabStandIn {
  /** e.g. http://127.0.0.1:PORT (the GitLab "baseUrl") */
  baseUrl: string;
  /** host:port, as Backstage's integrations.gitlab[].host */
  host: string;
  /** `${baseUrl}/api/v4` */
  apiBaseUrl: string;
  /** where the bare repositories live: `${root}/<group path>/<project>.git` */
  root: string;
  /** the projects created, for assertions */
  projects(): {
    id: number;
    pathWithNamespace: string;
    visibility: string;
    defaultBranch: string;
  }[];
  stop(): Promise<void>;
}

interface Group {
  id: number;
  fullPath: string;
  parentId: number | null;
}
interface Project {
  id: number;
  name: string;
  path: string;
  group: Group;
  visibility: string;
  defaultBranch: string;
  createdAt: string;
}

/** The user the token belongs to. */
const USER = {
  id: 1,
  username: 'root',
  name: 'Administrator',
  state: 'active',
};
const PROJECT_PATH = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;
/** A branch, tag or sha: never an option, never revision syntax. */
const REF = /^[a-zA-Z0-9_][a-zA-Z0-9_./-]*$/;
const GIT_ROUTE =
  /^\/(.+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const TAKEN = ['has already been taken'];
const BAD_PATH =
  "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'";

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`HTTP ${status}`);
  }
}
const notFound = (what?: string) =>
  new HttpError(404, { message: `404 ${what ? `${what} ` : ''}Not Found` });

function sendJson(res: Res, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: Req): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, { error: 'body is not valid JSON' });
  }
}

/** Splits a CGI answer: `Status:` and other header lines, a blank line, the body. */
function parseCgiHead(buf: Buffer) {
  const crlf = buf.indexOf('\r\n\r\n');
  const end = crlf >= 0 ? crlf : buf.indexOf('\n\n');
  if (end < 0) return undefined;
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of buf.subarray(0, end).toString().split(/\r?\n/)) {
    const [key, value] = line.split(/:\s*(.*)/);
    if (key.toLowerCase() === 'status') status = parseInt(value, 10);
    else if (key) headers[key] = value;
  }
  return { status, headers, rest: buf.subarray(end + (crlf >= 0 ? 4 : 2)) };
}

export async function startGitlabStandIn(options: {
  token: string;
  groups: string[];
}): Promise<GitlabStandIn> {
  const root = await mkdtemp(join(tmpdir(), 'gitlab-stand-in-'));
  const groups: Group[] = options.groups.map((fullPath, i) => ({
    id: i + 2,
    fullPath,
    parentId: null,
  }));
  for (const g of groups) {
    const parent = groups.find(o => g.fullPath.startsWith(`${o.fullPath}/`));
    g.parentId = parent?.id ?? null;
  }
  const projects: Project[] = [];
  let baseUrl = '';

  const pathOf = (p: Project) => `${p.group.fullPath}/${p.path}`;
  const gitDir = (p: Project) => join(root, `${pathOf(p)}.git`);
  /** git through the house runner; file names stay literal, never pathspec magic. */
  const git = (args: string[]) =>
    zxRunner.run('git', args, {
      allowFail: true,
      env: { GIT_LITERAL_PATHSPECS: '1' },
    });

  /** Groups and projects are named by numeric id or by full path. */
  const group = (id: string, what: string) => {
    const found = groups.find(g => `${g.id}` === id || g.fullPath === id);
    if (!found) throw notFound(what);
    return found;
  };
  const project = (id: string) => {
    const found = projects.find(p => `${p.id}` === id || pathOf(p) === id);
    if (!found) throw notFound('Project');
    return found;
  };

  const groupJson = (g: Group) => ({
    id: g.id,
    name: g.fullPath.split('/').pop(),
    path: g.fullPath.split('/').pop(),
    kind: 'group',
    full_path: g.fullPath,
    parent_id: g.parentId,
    avatar_url: null,
    web_url: `${baseUrl}/groups/${g.fullPath}`,
  });
  const projectJson = (p: Project) => ({
    id: p.id,
    name: p.name,
    name_with_namespace: `${p.group.fullPath.replace(/\//g, ' / ')} / ${
      p.name
    }`,
    path: p.path,
    path_with_namespace: pathOf(p),
    created_at: p.createdAt,
    default_branch: p.defaultBranch,
    visibility: p.visibility,
    http_url_to_repo: `${baseUrl}/${pathOf(p)}.git`,
    web_url: `${baseUrl}/${pathOf(p)}`,
    namespace: groupJson(p.group),
  });

  /** POST /projects: checked as GitLab does, then a bare repository. */
  async function createProject(body: Record<string, unknown>) {
    const name = String(body.name ?? body.path ?? '');
    const path = String(body.path ?? body.name ?? '');
    const g = group(String(body.namespace_id ?? ''), 'Namespace');
    // Also what keeps the repository inside `root`.
    if (!PROJECT_PATH.test(path) || /\.(git|atom)$/.test(path)) {
      throw new HttpError(400, { message: { path: [BAD_PATH] } });
    }
    const siblings = projects.filter(p => p.group === g);
    const pathTaken = siblings.some(p => p.path === path);
    const nameTaken = siblings.some(p => p.name === name);
    if (pathTaken || nameTaken) {
      throw new HttpError(400, {
        message: {
          ...(pathTaken && { 'project_namespace.name': TAKEN }),
          ...(nameTaken && { name: TAKEN }),
          ...(pathTaken && { path: TAKEN }),
        },
      });
    }
    const p: Project = {
      id: projects.length + 1,
      name,
      path,
      group: g,
      visibility: String(body.visibility ?? 'private'),
      defaultBranch: String(body.default_branch ?? 'main'),
      createdAt: new Date().toISOString(),
    };
    projects.push(p); // at once: a concurrent create of the same name is refused
    const dir = gitDir(p);
    await mkdir(dir, { recursive: true });
    const init = await git([
      'init',
      '--bare',
      '-q',
      '-b',
      p.defaultBranch,
      dir,
    ]);
    if (init.code !== 0) throw new Error(`git init ${dir}: ${init.stderr}`);
    // Pushes over HTTP, which http-backend refuses unless told.
    await appendFile(join(dir, 'config'), '[http]\n\treceivepack = true\n');
    return projectJson(p);
  }

  /** GET /projects/:id/repository/files/:file_path/raw, with an ETag. */
  async function rawFile(req: Req, res: Res, p: Project, file: string) {
    const segments = file.split('/');
    if (segments.some(s => ['', '.', '..'].includes(s) || s.includes('\0'))) {
      throw new HttpError(400, {
        error: 'file_path should be a valid file path',
      });
    }
    const url = new URL(req.url!, baseUrl);
    const ref = url.searchParams.get('ref') ?? p.defaultBranch;
    if (!REF.test(ref) || ref.includes('..')) throw notFound('File');
    // `<mode> <type> <sha>\t<path>` when the file exists at ref.
    const ls = await git(['--git-dir', gitDir(p), 'ls-tree', ref, '--', file]);
    const [, type, sha] = ls.stdout.split('\t')[0].split(' ');
    if (ls.code !== 0 || type !== 'blob') throw notFound('File');
    const etag = `"${sha}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      etag,
      'x-gitlab-blob-id': sha,
      'x-gitlab-file-path': file,
      'x-gitlab-ref': ref,
    });
    // The blob's bytes as they are (zx's output would be a string).
    const cat = ['--git-dir', gitDir(p), 'cat-file', 'blob', sha];
    spawn('git', cat, { stdio: ['ignore', 'pipe', 'ignore'] }).stdout.pipe(res);
  }

  /** The REST v4 subset `publish:gitlab` and `GitlabUrlReader.readUrl` call. */
  type Handler = (req: Req, res: Res, ids: string[]) => unknown;
  const routes: Record<string, Handler> = {
    'GET user': (_, res) => sendJson(res, 200, USER),
    'GET namespaces/:id': (_, res, [id]) =>
      sendJson(res, 200, groupJson(group(id, 'Namespace'))),
    'GET groups/:id/projects': (req, res, [id]) => {
      const g = group(id, 'Group');
      const url = new URL(req.url!, baseUrl);
      const search = (url.searchParams.get('search') ?? '').toLowerCase();
      const found = projects
        .filter(p => p.group === g)
        .filter(p => `${p.name} ${p.path}`.toLowerCase().includes(search))
        .map(projectJson);
      // One page holds them all: no `Link: rel="next"`, gitbeaker stops here.
      sendJson(res, 200, found, {
        'x-page': '1',
        'x-total': `${found.length}`,
        'x-total-pages': '1',
      });
    },
    'POST projects': async (req, res) =>
      sendJson(res, 201, await createProject(await readJson(req))),
    'GET projects/:id': (_, res, [id]) =>
      sendJson(res, 200, projectJson(project(id))),
    'GET projects/:id/repository/files/:file/raw': (req, res, [id, file]) =>
      rawFile(req, res, project(id), file),
  };

  async function api(req: Req, res: Res, pathname: string) {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    const token = req.headers['private-token'] ?? bearer?.[1];
    if (token !== options.token) {
      throw new HttpError(401, { message: '401 Unauthorized' });
    }
    // Ids that are paths come URL-encoded (`group%2Fproject`): one segment.
    const request = `${req.method} ${pathname.slice('/api/v4/'.length)}`;
    for (const [route, handle] of Object.entries(routes)) {
      const pattern = new RegExp(`^${route.replace(/:\w+/g, '([^/]+)')}$`);
      const ids = pattern.exec(request)?.slice(1);
      if (ids) return handle(req, res, ids.map(decodeURIComponent));
    }
    throw notFound();
  }

  /**
   * Git smart HTTP: Debian's `git http-backend`, run as a CGI per request.
   * node:child_process rather than zx here: the request body streams into the
   * CGI's stdin and its stdout (headers, then pack data) streams back as raw
   * bytes, where zx would collect the output as text.
   */
  function gitHttp(req: Req, res: Res, url: URL, repo: string) {
    const [scheme, encoded = ''] = (req.headers.authorization ?? '').split(' ');
    const [user, ...password] = Buffer.from(encoded, 'base64')
      .toString()
      .split(':');
    if (scheme !== 'Basic' || password.join(':') !== options.token) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitLab"' });
      res.end('HTTP Basic: Access denied');
      return;
    }
    if (!projects.some(p => pathOf(p) === repo)) {
      res.writeHead(404).end('Not Found');
      return;
    }
    const { headers } = req;
    const cgi = spawn('git', ['http-backend'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        REQUEST_METHOD: req.method,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: headers['content-type'] ?? '',
        // Without CONTENT_LENGTH (a chunked body), it reads up to the end.
        CONTENT_LENGTH: headers['content-length'],
        HTTP_CONTENT_ENCODING: headers['content-encoding'],
        GIT_PROTOCOL: headers['git-protocol'] as string | undefined,
        REMOTE_USER: user,
        REMOTE_ADDR: req.socket.remoteAddress,
      },
    });
    cgi.stdin.on('error', () => undefined); // it may answer before reading all
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const answer = parseCgiHead(head);
      if (!answer) return;
      cgi.stdout.off('data', onData);
      res.writeHead(answer.status, answer.headers).write(answer.rest);
      cgi.stdout.pipe(res);
    };
    cgi.stdout.on('data', onData);
    cgi.on('close', () => {
      if (!res.headersSent) res.writeHead(502).end('no answer from git');
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const repo = GIT_ROUTE.exec(url.pathname)?.[1];
    const handled = async () => {
      if (url.pathname.startsWith('/api/v4/')) {
        return api(req, res, url.pathname);
      }
      if (repo) return gitHttp(req, res, url, repo);
      throw notFound();
    };
    handled().catch(e => {
      if (res.headersSent) res.destroy();
      else if (e instanceof HttpError) sendJson(res, e.status, e.body);
      else if (e instanceof URIError) sendJson(res, 400, { error: e.message });
      else sendJson(res, 500, { message: `500 Internal Server Error: ${e}` });
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    host: `127.0.0.1:${port}`,
    apiBaseUrl: `${baseUrl}/api/v4`,
    root,
    projects: () =>
      projects.map(p => ({
        id: p.id,
        pathWithNamespace: pathOf(p),
        visibility: p.visibility,
        defaultBranch: p.defaultBranch,
      })),
    async stop() {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
      await rm(root, { recursive: true, force: true });
    },
  };
}
