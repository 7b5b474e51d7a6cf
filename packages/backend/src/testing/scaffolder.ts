/*
 * The scaffolder as its users drive it, for the backend tests: the embedded
 * default with a developer signed in, and template runs through the tasks API.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { repoRoot } from '@internal/platform';
import { until } from '@internal/testbed';
import { parse } from 'yaml';
import { Started, startEmbeddedBackend } from './services';

export interface ScaffolderBackend {
  backend: Started;
  baseUrl: string;
  /** The guest's token, taken once the catalog makes it a developer. */
  token: string;
}

/** The embedded default with `env`, and the guest signed in as a developer. */
export async function startScaffolderBackend(
  env: NodeJS.ProcessEnv,
): Promise<ScaffolderBackend> {
  const { backend, baseUrl, guestToken } = await startEmbeddedBackend(env);
  // A token taken before the catalog holds the guest carries no group.
  const first = await guestToken();
  await until(
    'the guest user in the catalog',
    async () => {
      const res = await fetch(
        `${baseUrl}/api/catalog/entities/by-name/user/default/guest`,
        { headers: { authorization: `Bearer ${first}` } },
      );
      return res.ok ? true : undefined;
    },
    90_000,
  );
  return { backend, baseUrl, token: await guestToken() };
}

export interface TaskRun {
  task: { status: string };
  /** The task's events, as JSON text (the step logs, the error). */
  events: string;
  /** The output links of the completion event. */
  links: { title: string; url?: string; entityRef?: string }[];
  seconds: number;
}

/** Runs a template for real; resolves when the task has ended. */
export async function runTemplate(
  { baseUrl, token }: ScaffolderBackend,
  templateRef: string,
  values: Record<string, unknown>,
): Promise<TaskRun> {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  };
  const t0 = Date.now();
  const created = await fetch(`${baseUrl}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ templateRef, values }),
  });
  if (created.status !== 201)
    throw new Error(
      `task creation: HTTP ${created.status} ${await created.text()}`,
    );
  const { id } = (await created.json()) as { id: string };
  const task = await until(
    `task ${id} to end`,
    async () => {
      const res = await fetch(`${baseUrl}/api/scaffolder/v2/tasks/${id}`, {
        headers,
      });
      const body = (await res.json()) as { status: string };
      return ['completed', 'failed', 'cancelled'].includes(body.status)
        ? body
        : undefined;
    },
    120_000,
  );
  const seconds = (Date.now() - t0) / 1000;
  const list = (await (
    await fetch(`${baseUrl}/api/scaffolder/v2/tasks/${id}/events`, {
      headers,
    })
  ).json()) as {
    type: string;
    body: { output?: { links?: TaskRun['links'] } };
  }[];
  const links =
    list.find(e => e.type === 'completion')?.body.output?.links ?? [];
  return { task, events: JSON.stringify(list), links, seconds };
}

/** A template of templates/, and its files as the template editor sends them to the dry-run API. */
export async function templateFiles(name: string): Promise<{
  template: unknown;
  files: { path: string; base64Content: string }[];
}> {
  const root = join(repoRoot, 'templates', name);
  const files: { path: string; base64Content: string }[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else
        files.push({
          path: relative(root, full),
          base64Content: (await readFile(full)).toString('base64'),
        });
    }
  };
  await walk(root);
  return {
    template: parse(await readFile(join(root, 'template.yaml'), 'utf8')),
    files,
  };
}
