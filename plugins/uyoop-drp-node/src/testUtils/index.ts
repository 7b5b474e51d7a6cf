import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { backupBuckets, loadPlatform, sqliteKnex } from '@internal/platform';
import { DrpEngine, DrpEngineOptions } from '../engine';
import { DrpStore } from '../store';
import { FakeCluster } from './fakeCluster';

export { FakeCluster } from './fakeCluster';
export type { FakeBackup, FakeNamespace } from './fakeCluster';

/** A clock that moves only when the engine sleeps, so RTO figures are exact. */
export function fakeClock(start = '2026-06-20T09:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export const testTools = {
  kubectl: 'kubectl',
  velero: 'velero',
  restic: 'restic',
  veleroNamespace: 'velero',
  env: {},
  secrets: [],
};

const opened: Knex[] = [];

/** Closes the stores engineOn opened (call in afterAll). */
export async function closeEngines() {
  await Promise.all(opened.splice(0).map(db => db.destroy()));
}

/** An engine on the fake cluster and a SQLite store (the same knex survives a "restart"). */
export async function engineOn(
  cluster: FakeCluster,
  options: {
    db?: Knex;
    clock?: ReturnType<typeof fakeClock>;
  } & Partial<DrpEngineOptions> = {},
) {
  const platform = await loadPlatform();
  const db = options.db ?? sqliteKnex(':memory:');
  if (!opened.includes(db)) opened.push(db);
  const clock = options.clock ?? fakeClock();
  let n = 0;
  const engine = new DrpEngine({
    platform,
    buckets: backupBuckets(platform),
    runner: cluster.runner,
    tools: testTools,
    store: await DrpStore.create(db),
    now: clock.now,
    sleep: clock.sleep,
    pollMs: 1000,
    timeoutMs: 60_000,
    newId: () => `t${++n}`,
    ...options,
  });
  return { engine, db, clock };
}

/** A kubeconfig whose cluster never answers (port 1 on loopback), in a fresh folder. */
export function unreachableKubeconfig(): string {
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'drp-kube-')), 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`,
  );
  return kubeconfig;
}
