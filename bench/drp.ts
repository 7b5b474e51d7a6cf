/**
 * Disaster recovery on the testbed, measured in one run on the same data
 * (needs `yarn testbed up`):
 *
 *  1. Drill RTO through the engine against the same recovery by hand. A
 *     namespace holds a Deployment whose volume (local-path, opted in to
 *     Velero's file-system backup by its pod annotation) carries
 *     --volume-mb MiB of random files plus 500 small ones, with a ConfigMap,
 *     a Secret and a Service; it is backed up once by Velero (Kopia). Each
 *     round recovers it twice from that one backup, in alternating order:
 *     - by hand: `kubectl delete namespace` (which waits until it is gone),
 *       `velero restore create --from-backup B --wait`, then `kubectl wait
 *       --for=condition=Ready pod --all`; timed from the delete to Ready;
 *     - through the engine: `DrpEngine.startDrill` built as `yarn drp drill`
 *       builds it (the cluster polled every 2 s), its recorded RTO (from its
 *       delete to its pods Ready; the fingerprints before and after are
 *       outside it).
 *     After each recovery the checksum of every file on the volume (but
 *     Velero's own .velero/ marker) is compared with the original one,
 *     outside the timing. `velero restore create --wait` returns once the
 *     restore leaves InProgress, possibly before Velero calls it Completed,
 *     while the engine waits for Completed: the phase `--wait` returned at
 *     and Velero's completion time are printed, and the by-hand median is
 *     also given up to both the pods Ready and Completed.
 *     Goal: the engine's median RTO <= 1.10 x the median by hand.
 *
 *  2. restic restore throughput against the local disk's read. --restic-mb
 *     MiB of random (incompressible) files are backed up to a fresh
 *     repository under the testbed's Object Lock bucket, then restored
 *     --rounds times into a fresh folder (`restic restore latest`), in MiB/s.
 *     Anchor, each round: reading the files just restored, one after the
 *     other into one 1 MiB buffer (as `cat > /dev/null`), after they were
 *     flushed and their pages dropped from this machine's page cache
 *     (dd iflag=nocache; fincore prints what stayed resident), so the read
 *     comes from the disk (a VM's disk: the host may still cache it); three
 *     times, the median kept. The same read right after, from the page
 *     cache, is printed as a second anchor. The S3 server runs on this
 *     machine (loopback) and holds what the backup has just written;
 *     restic's writes land in the page cache and are not flushed inside its
 *     timing. What restic pays before any data (`restic snapshots`: the
 *     key's derivation and the index) is timed too, and the restore's rate
 *     without it printed.
 *     No goal: the figure sizes a restore plan (how long tier 2 takes to
 *     bring N GB back), the disk read being the ceiling.
 *     `restic check --read-data` is timed once.
 *
 * Namespaces, Velero backups and restores are deleted at the end. The locked
 * bucket keeps the restic repository for its 30-day COMPLIANCE retention:
 * each run leaves about --restic-mb MiB there.
 *
 *   yarn bench:drp [--rounds 2] [--volume-mb 20] [--restic-mb 32]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import {
  commandLineOrExit,
  countOptionOrExit,
  loadPlatform,
  sqliteKnex,
  zxRunner,
} from '@internal/platform';
import type { DrillRecord } from '@internal/plugin-uyoop-drp-common';
import { createDrpEngine, DrpStore } from '@internal/plugin-uyoop-drp-node';
import {
  drpTestbedEnv,
  kubeConfig,
  runId,
  testbed,
  tool,
  until,
} from '@internal/testbed';
import { busybox, execIn, waitRunning } from '@internal/testbed/src/pods';

const usage =
  'usage: yarn bench:drp [--rounds 2] [--volume-mb 20] [--restic-mb 32]';
const { values } = commandLineOrExit(
  process.argv.slice(2),
  {
    rounds: { type: 'string' },
    'volume-mb': { type: 'string' },
    'restic-mb': { type: 'string' },
  },
  usage,
  { positionals: false },
);
const count = (name: string, value: string | undefined, def: number) =>
  countOptionOrExit(name, value, def, usage);
const ROUNDS = count('rounds', values.rounds, 2);
const VOLUME_MB = count('volume-mb', values['volume-mb'], 20);
const RESTIC_MB = count('restic-mb', values['restic-mb'], 32);

const RTO_GOAL = 1.1;
const MiB = 1024 * 1024;

/** The middle value; the mean of the two middle ones for an even count. */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const tb = testbed();
const core = kubeConfig(tb).makeApiClient(CoreV1Api);
const apps = kubeConfig(tb).makeApiClient(AppsV1Api);
const id = runId();

// ---------------------------------------------------------------- drill RTO

/** One digest of every file on the volume, by path. */
// Velero's file-system restore leaves a marker per restore in the volume
// (.velero/<restore uid>, what its restore-wait init container waits for):
// not application data, so left out.
const FILES_DIGEST =
  'cd /data && find . -type f | grep -v "^./.velero/" | sort | xargs sha256sum | sha256sum';

async function appPod(namespace: string): Promise<string> {
  return until(
    `a pod of ${namespace}`,
    async () =>
      (
        await core.listNamespacedPod({ namespace, labelSelector: 'app=app' })
      ).items.find(
        p => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
      )?.metadata?.name,
    180_000,
  );
}

/** The namespace to recover: a Deployment with files on its volume, a ConfigMap, a Secret, a Service. */
async function createApp(namespace: string) {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'settings' }, data: { url: 'https://uyoop.fr' } },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'db' }, stringData: { password: `pw-${id}` } },
  });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'app' },
      spec: { selector: { app: 'app' }, ports: [{ port: 8080 }] },
    },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: `${VOLUME_MB * 2 + 64}Mi` } },
      },
    },
  });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'app' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: {
            labels: { app: 'app' },
            // Velero skips local-path (hostPath) volumes unless the pod opts in.
            annotations: { 'backup.velero.io/backup-volumes': 'data' },
          },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': 'core-prod' },
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'app',
                image: busybox(),
                imagePullPolicy: 'Never',
                command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
                readinessProbe: {
                  exec: { command: ['true'] },
                  periodSeconds: 1,
                },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
            ],
          },
        },
      },
    },
  });
  const pod = await appPod(namespace);
  await waitRunning(core, namespace, pod, 180_000);
  await execIn(
    tb,
    namespace,
    pod,
    [
      'mkdir -p /data/big /data/small',
      `for i in $(seq 1 ${VOLUME_MB}); do head -c 1048576 /dev/urandom > /data/big/$i.bin; done`,
      'for i in $(seq 1 500); do head -c 4096 /dev/urandom > /data/small/$i.bin; done',
      'seq 1 50000 | sed "s/^/row,/" > /data/rows.csv',
      'sync',
    ].join(' && '),
  );
  const size = await execIn(
    tb,
    namespace,
    pod,
    'du -sk /data; find /data -type f | wc -l',
  );
  const [kib, files] = size
    .trim()
    .split(/\s+/)
    .filter(w => /^\d+$/.test(w));
  return {
    digest: (await execIn(tb, namespace, pod, FILES_DIGEST)).trim(),
    mib: Number(kib) / 1024,
    files: Number(files),
  };
}

interface Recovery {
  rtoMs: number;
  goneMs: number;
  restoredMs: number;
  readyMs: number;
  /** From the delete to Velero's completion time of the restore (whole seconds). */
  completedMs: number;
  /** The files came back identical. */
  identical: boolean;
  note: string;
}

/** By hand: delete, wait until gone, restore with --wait, wait for the pods Ready. */
async function byHand(
  namespace: string,
  backup: string,
  restore: string,
  digest: string,
): Promise<Recovery> {
  const wall0 = Date.now();
  const t0 = performance.now();
  await tool(tb, 'kubectl', [
    'delete',
    'namespace',
    namespace,
    '--timeout=10m',
  ]);
  const gone = performance.now();
  const waited = await tool(tb, 'velero', [
    'restore',
    'create',
    restore,
    '--from-backup',
    backup,
    '--wait',
  ]);
  const restored = performance.now();
  // kubectl wait needs the pods to exist: Velero has restored them by now.
  await until(
    `the pods of ${namespace}`,
    async () =>
      (
        await core.listNamespacedPod({ namespace })
      ).items.length
        ? true
        : undefined,
    600_000,
  );
  await tool(tb, 'kubectl', [
    'wait',
    '--for=condition=Ready',
    'pod',
    '--all',
    '-n',
    namespace,
    '--timeout=10m',
  ]);
  const ready = performance.now();
  // `--wait` returns once the restore leaves InProgress, which may be before
  // Velero calls it Completed; the engine waits for Completed.
  const returnedAt =
    /completed with status: (\w+)/.exec(waited)?.[1] ?? 'unknown';
  const done = await restoreDone(restore);
  const now = (
    await execIn(tb, namespace, await appPod(namespace), FILES_DIGEST)
  ).trim();
  return {
    rtoMs: ready - t0,
    goneMs: gone - t0,
    restoredMs: restored - gone,
    readyMs: ready - restored,
    completedMs: Date.parse(done.completedAt) - wall0,
    identical: now === digest,
    note: `--wait returned at ${returnedAt}, restore ${done.phase}`,
  };
}

/** Waits until Velero ends a restore; its phase and completion time (whole seconds). */
async function restoreDone(restore: string) {
  return until(
    `restore ${restore} to end`,
    async () => {
      const o = JSON.parse(
        await tool(tb, 'kubectl', [
          'get',
          'restores.velero.io',
          restore,
          '-n',
          tb.veleroNamespace,
          '-o',
          'json',
        ]),
      );
      return o.status?.completionTimestamp
        ? {
            phase: o.status.phase as string,
            completedAt: o.status.completionTimestamp as string,
          }
        : undefined;
    },
    600_000,
  );
}

const stepMs = (r: DrillRecord, step: string) =>
  Date.parse(r.timeline.find(s => s.step === step)?.at ?? '');

/** Through the engine's drill, from the same backup. */
async function byEngine(
  engine: Awaited<ReturnType<typeof createDrpEngine>>,
  namespace: string,
  backup: string,
  digest: string,
  restores: string[],
): Promise<Recovery> {
  const { done } = await engine.startDrill({
    namespace,
    actor: 'user:default/bench',
    backup,
    probes: [
      {
        name: 'files',
        selector: 'app=app',
        command: ['sh', '-c', FILES_DIGEST],
      },
    ],
  });
  const r = await done;
  if (r.restoreName) restores.push(r.restoreName);
  if (r.rtoSeconds === undefined)
    throw new Error(`drill ${r.id} recorded no RTO: ${r.error ?? r.status}`);
  const now = (
    await execIn(tb, namespace, await appPod(namespace), FILES_DIGEST)
  ).trim();
  const deleted = stepMs(r, 'delete-namespace');
  const gone = stepMs(r, 'namespace-gone');
  const restored = stepMs(r, 'restore-completed');
  const ready = stepMs(r, 'pods-ready');
  const ended = await restoreDone(r.restoreName!);
  return {
    rtoMs: r.rtoSeconds * 1000,
    completedMs: Date.parse(ended.completedAt) - deleted,
    goneMs: gone - deleted,
    restoredMs: restored - gone,
    readyMs: ready - restored,
    identical: now === digest,
    note: `drill ${r.status}${
      r.error ? ` (${r.error})` : ''
    }, whole drill with fingerprints ${seconds(
      Date.parse(r.finishedAt!) - Date.parse(r.startedAt),
    )}`,
  };
}

async function drillBench() {
  const namespace = `bench-drp-${id}`;
  const backup = `bench-drp-${id}`;
  const restores: string[] = [];
  const db = sqliteKnex(':memory:');
  const engine = await createDrpEngine({
    store: await DrpStore.create(db),
    platform: await loadPlatform(),
    // What `yarn drp` reads from its environment, pointed at the testbed.
    env: drpTestbedEnv(tb),
  });
  const runs: Record<'hand' | 'engine', Recovery[]> = { hand: [], engine: [] };
  try {
    const app = await createApp(namespace);
    const t0 = performance.now();
    await tool(tb, 'velero', [
      'backup',
      'create',
      backup,
      '--include-namespaces',
      namespace,
      '--default-volumes-to-fs-backup',
      '--wait',
    ]);
    const phase = (await engine.backup(backup)).phase;
    if (phase !== 'Completed')
      throw new Error(`backup ${backup} ended ${phase}`);
    console.log(
      `drill: namespace ${namespace}, volume ${app.mib.toFixed(1)} MiB in ${
        app.files
      } files; backup ${backup} took ${seconds(performance.now() - t0)}`,
    );
    for (let r = 0; r < ROUNDS; r++) {
      const order =
        r % 2 === 0
          ? (['hand', 'engine'] as const)
          : (['engine', 'hand'] as const);
      for (const kind of order) {
        // Let the previous recovery's leftovers (the old volume's cleanup) pass first.
        await sleep(10_000);
        let m: Recovery;
        if (kind === 'hand') {
          const restore = `${backup}-hand-${r + 1}`;
          restores.push(restore);
          m = await byHand(namespace, backup, restore, app.digest);
        } else
          m = await byEngine(engine, namespace, backup, app.digest, restores);
        runs[kind].push(m);
        console.log(
          `round ${r + 1} ${(kind === 'hand' ? 'by hand' : 'engine').padEnd(
            7,
          )} RTO ${seconds(m.rtoMs)} (gone ${seconds(
            m.goneMs,
          )}, restored ${seconds(m.restoredMs)}, Ready ${seconds(
            m.readyMs,
          )}; Velero's Completed at ${seconds(m.completedMs)}); files ${
            m.identical ? 'identical' : 'DIFFER'
          }; ${m.note}`,
        );
      }
    }
  } finally {
    await tool(tb, 'kubectl', [
      'delete',
      'namespace',
      namespace,
      '--ignore-not-found',
      '--timeout=5m',
    ]).catch(e => console.error(`cleanup: ${e.message}`));
    for (const restore of restores)
      await tool(tb, 'velero', [
        'restore',
        'delete',
        restore,
        '--confirm',
      ]).catch(e => console.error(`cleanup: ${e.message}`));
    await tool(tb, 'velero', ['backup', 'delete', backup, '--confirm']).catch(
      e => console.error(`cleanup: ${e.message}`),
    );
    // Velero deletes in the background: let it finish before restic is timed.
    await until(
      `backup ${backup} to be deleted`,
      async () =>
        (
          await tool(tb, 'kubectl', [
            'get',
            'backups.velero.io',
            backup,
            '-n',
            tb.veleroNamespace,
            '--ignore-not-found',
            '-o',
            'name',
          ])
        ).trim()
          ? undefined
          : true,
      180_000,
    ).catch(e => console.error(`cleanup: ${e.message}`));
    await db.destroy();
  }
  const hand = median(runs.hand.map(m => m.rtoMs));
  const eng = median(runs.engine.map(m => m.rtoMs));
  const ratio = eng / hand;
  const allIdentical = [...runs.hand, ...runs.engine].every(m => m.identical);
  console.log(
    `drill RTO, ${ROUNDS} round(s) in alternating order: engine median ${seconds(
      eng,
    )}, by hand median ${seconds(
      hand,
    )}; ratio engine / by hand = ${ratio.toFixed(3)}`,
  );
  console.log(
    `goal: engine <= ${RTO_GOAL.toFixed(
      2,
    )} x by hand, every recovery with identical files: ${
      ratio <= RTO_GOAL && allIdentical
        ? 'met'
        : `NOT met (${[
            ratio > RTO_GOAL ? `ratio ${ratio.toFixed(3)}` : '',
            allIdentical ? '' : 'files differ',
          ]
            .filter(Boolean)
            .join(', ')})`
    }`,
  );
  // The engine's end point is Velero's Completed and the pods Ready; by hand
  // with `--wait`, it is the pods Ready. The same end point for both:
  const handCompleted = median(
    runs.hand.map(m => Math.max(m.rtoMs, m.completedMs)),
  );
  console.log(
    `  by hand until both the pods Ready and Velero's Completed (whole seconds): median ${seconds(
      handCompleted,
    )}; ratio engine / that = ${(eng / handCompleted).toFixed(3)}`,
  );
}

// ------------------------------------------------------------ restic restore

const run = (cmd: string, args: string[]) => zxRunner.run(cmd, args, {});

/** Writes `bytes` of random data and flushes it to the disk; returns its digest. */
async function writeRandom(path: string, bytes: number) {
  const data = randomBytes(bytes);
  const f = await open(path, 'w');
  try {
    await f.writeFile(data);
    await f.datasync();
  } finally {
    await f.close();
  }
  return createHash('sha256').update(data).digest('hex');
}

/** Flushes the files and drops their pages from the page cache; returns the bytes still resident. */
async function dropFromPageCache(paths: string[]): Promise<number> {
  for (const p of paths) {
    const f = await open(p, 'r');
    await f.datasync().finally(() => f.close());
    await run('dd', [`if=${p}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
  const { stdout } = await run('fincore', [
    '--bytes',
    '--noheadings',
    '--output',
    'RES',
    ...paths,
  ]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .reduce((s, l) => s + Number(l.trim()), 0);
}

/** Reads the files one after the other into one buffer, as `cat > /dev/null` would; returns the elapsed ms. */
async function readAll(paths: string[]) {
  const buffer = Buffer.allocUnsafe(MiB);
  const t0 = performance.now();
  for (const p of paths) {
    const f = await open(p, 'r');
    try {
      while ((await f.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await f.close();
    }
  }
  return performance.now() - t0;
}

async function digestsOf(paths: string[]) {
  const out: string[] = [];
  for (const p of paths)
    out.push(
      createHash('sha256')
        .update(await readFile(p))
        .digest('hex'),
    );
  return out;
}

async function resticBench() {
  const work = await mkdtemp(join(tmpdir(), 'uyoop-bench-drp-'));
  const prefix = `bench-drp-${id}`;
  const env = {
    RESTIC_REPOSITORY: `s3:${tb.s3.endpoint}/${tb.s3.bucketLocked}/${prefix}`,
    RESTIC_PASSWORD: randomBytes(16).toString('hex'),
    RESTIC_CACHE_DIR: join(work, 'cache'),
  };
  const restic = (args: string[]) =>
    tool(tb, 'restic', ['-o', 's3.bucket-lookup=path', ...args], env);
  const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
  try {
    const src = join(work, 'src');
    await mkdir(src);
    const fileMiB = 4;
    const names = Array.from(
      { length: Math.ceil(RESTIC_MB / fileMiB) },
      (_, i) => `part-${i}.bin`,
    );
    const digests: string[] = [];
    for (const n of names)
      digests.push(await writeRandom(join(src, n), fileMiB * MiB));
    const bytes = names.length * fileMiB * MiB;
    await restic(['init']);
    let t = performance.now();
    await restic(['backup', src]);
    const backupMs = performance.now() - t;
    console.log(
      `restic: ${bytes / MiB} MiB in ${names.length} random files, repository ${
        tb.s3.bucketLocked
      }/${prefix}; backup ${seconds(backupMs)} (${mibps(
        bytes,
        backupMs,
      ).toFixed(1)} MiB/s)`,
    );
    const restore: number[] = [];
    const opening: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const target = join(work, `restored-${r + 1}`);
      // What every restic command pays before any data: the key's
      // derivation (scrypt) and the index, as `restic snapshots` does.
      t = performance.now();
      await restic(['snapshots', '--json']);
      opening.push(performance.now() - t);
      t = performance.now();
      await restic(['restore', 'latest', '--target', target]);
      restore.push(performance.now() - t);
      // restic restores a snapshot under its absolute source path.
      const paths = names.map(n => join(target, src, n));
      // Three reads of each kind, the median kept: a read of 32 MiB takes
      // a fraction of a second, and other work shares the two cores.
      const resident: number[] = [];
      const coldReads: number[] = [];
      const warmReads: number[] = [];
      for (let i = 0; i < 3; i++) {
        resident.push(await dropFromPageCache(paths));
        coldReads.push(await readAll(paths));
        warmReads.push(await readAll(paths));
      }
      if ((await digestsOf(paths)).some((d, i) => d !== digests[i]))
        throw new Error(
          `round ${r + 1}: the restored files differ from the source`,
        );
      cold.push(median(coldReads));
      warm.push(median(warmReads));
      console.log(
        `round ${r + 1} restic restore ${seconds(restore[r])} = ${mibps(
          bytes,
          restore[r],
        ).toFixed(
          1,
        )} MiB/s, files identical; disk read (page cache dropped before each of 3 reads, at most ${Math.max(
          ...resident,
        )} bytes left resident) median ${mibps(bytes, cold[r]).toFixed(
          1,
        )} MiB/s; page-cache read median ${mibps(bytes, warm[r]).toFixed(
          1,
        )} MiB/s`,
      );
      await rm(target, { recursive: true, force: true });
    }
    const restoreRate = mibps(bytes, median(restore));
    const diskRate = mibps(bytes, median(cold));
    const cacheRate = mibps(bytes, median(warm));
    const ratio = restoreRate / diskRate;
    console.log(
      `restic restore median ${restoreRate.toFixed(
        1,
      )} MiB/s; disk read median ${diskRate.toFixed(
        1,
      )} MiB/s; ratio restic / disk read = ${ratio.toFixed(3)}`,
    );
    console.log(
      `  page-cache read median ${cacheRate.toFixed(
        1,
      )} MiB/s; ratio restic / page-cache read = ${(
        restoreRate / cacheRate
      ).toFixed(3)}`,
    );
    const openMs = median(opening);
    const netRate = mibps(bytes, median(restore) - openMs);
    console.log(
      `  opening the repository (restic snapshots) median ${(
        openMs / 1000
      ).toFixed(2)} s; the restore without it ${netRate.toFixed(
        1,
      )} MiB/s, ratio / disk read = ${(netRate / diskRate).toFixed(3)}`,
    );
    t = performance.now();
    await restic(['check', '--read-data']);
    const checkMs = performance.now() - t;
    console.log(
      `restic check --read-data: ${seconds(checkMs)} (${mibps(
        bytes,
        checkMs,
      ).toFixed(1)} MiB/s of data read back)`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const load = () =>
  loadavg()
    .map(l => l.toFixed(1))
    .join(' ');

async function main() {
  console.log(
    `${
      cpus().length
    } cores; load average ${load()} (1, 5, 15 min) at the start`,
  );
  await drillBench();
  await resticBench();
  console.log(`load average ${load()} at the end`);
  process.exit(0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
