import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, Platform } from '@internal/platform';
import { finopsCli } from './cli';
import { FinopsEngine } from './engine';
import { sqliteKnex } from './open';
import { CostStore } from './store/store';

let platform: Platform;
beforeAll(async () => {
  platform = await loadPlatform();
});

function harness(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const files: Record<string, string> = {};
  const db = join(mkdtempSync(join(tmpdir(), 'finops-cli-')), 'finops.sqlite');
  const deps = {
    env,
    now: () => new Date('2026-11-20T12:00:00Z'),
    openEngine: async (o: { db?: string }) => {
      const knex = sqliteKnex(o.db ?? db);
      const engine = new FinopsEngine({
        store: await CostStore.create(knex),
        platform,
        now: () => new Date('2026-11-20T12:00:00Z'),
      });
      return { engine, close: () => knex.destroy() };
    },
  };
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    writeFile: async (p: string, c: string) => void (files[p] = c),
  };
  return {
    run: (...argv: string[]) => finopsCli(argv, io, deps),
    out,
    err,
    files,
  };
}

describe('scripts/finops.ts', () => {
  it('exits 2 with the usage on a bad command or option', async () => {
    const h = harness();
    expect(await h.run('explode')).toBe(2);
    expect(h.err.join('\n')).toMatch(
      /unknown command "explode"[\s\S]*exit codes: 0 done, 1 failed, 2 bad usage/,
    );
    expect(await h.run('report', '--from', '2026-13')).toBe(2);
    expect(h.err.join('\n')).toMatch(/--from must be YYYY-MM, got "2026-13"/);
    h.err.length = 0;
    expect(await h.run('budget', '--chek')).toBe(2);
    expect(h.err.join('\n')).toMatch(
      /Unknown option '--chek'[\s\S]*exit codes: 0 done, 1 failed, 2 bad usage/,
    );
    h.err.length = 0;
    expect(await h.run('report', '--csv')).toBe(2);
    expect(h.err.join('\n')).toMatch(/--csv <value>' argument missing/);
  });

  it('ingests the estimates, then reports legacy against sovereign as text, JSON and CSV', async () => {
    const h = harness();
    expect(await h.run('ingest')).toBe(0);
    expect(h.out.join('\n')).toMatch(
      /ingested 2026-02, .*2026-11 \(estimate\):\n\s+estimate\s+\d+ added, 0 replaced, 0 removed/,
    );
    expect(h.out.join('\n')).toMatch(
      /2026-11: estimate, allocation catalog-even-split/,
    );
    h.out.length = 0;
    expect(await h.run('report', 'legacy')).toBe(0);
    const text = h.out.join('\n');
    expect(text).toMatch(
      /Proton 119.88 \+ Microsoft 66.24 \+ O2Switch 84.00 \+ Registrars 125.00 = 395.12 EUR HT a year/,
    );
    expect(text).toMatch(
      /fixed 24.28 EUR TTC, optimised 27.28 EUR TTC \(~28\), with the AI node 34.48 EUR TTC \(~35\)/,
    );
    h.out.length = 0;
    expect(
      await h.run(
        'report',
        'monthly',
        '--json',
        '--csv',
        'out.csv',
        '--from',
        '2026-11',
      ),
    ).toBe(0);
    expect(JSON.parse(h.out.join('\n')).months[0].total).toEqual({
      ht: 28.73,
      vat: 5.75,
      ttc: 34.48,
    });
    expect(h.files['out.csv'].split('\n')[0]).toBe(
      'period,service,ht,vat,ttc,currency,estimate,status',
    );
  });

  it('budget --check exits 1 only when a budget is exceeded', async () => {
    const h = harness();
    await h.run('ingest', '--period', '2026-11');
    expect(await h.run('budget', '--check', '--period', '2026-11')).toBe(0);
    expect(h.out.join('\n')).toMatch(
      /WARNING\s+sovereign platform \(full package\)\s+34.48 EUR TTC of 35.00 EUR TTC/,
    );
    // A 12 EUR domain bill in the same month takes the full package over its 35 EUR.
    const file = join(mkdtempSync(join(tmpdir(), 'finops-cli-over-')), 'over.csv');
    writeFileSync(
      file,
      'period,category,description,amount,basis\n2026-11,domain,example.org renewal,12.00,TTC\n',
    );
    expect(await h.run('ingest', '--period', '2026-11', '--manual', file)).toBe(0);
    h.out.length = 0;
    expect(await h.run('budget', '--check', '--period', '2026-11')).toBe(1);
    expect(h.out.join('\n')).toMatch(
      /EXCEEDED\s+sovereign platform \(full package\)\s+46.48 EUR TTC of 35.00 EUR TTC/,
    );
    // Without --check the same report is information only.
    expect(await h.run('budget', '--period', '2026-11')).toBe(0);
  });

  it('ingest --period exits 1 on a manual file with entries of another month, names the line and imports nothing', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'finops-cli-manual-'));
    const file = join(dir, 'extra.csv');
    writeFileSync(
      file,
      'period,category,description,amount,basis\n2026-03,domain,example.org at Gandi,10.00,TTC\n',
    );
    expect(
      await h.run('ingest', '--period', '2026-04', '--manual', file),
    ).toBe(1);
    expect(h.err.join('\n')).toContain(`${file}:2: period 2026-03`);
    expect(h.err.join('\n')).toMatch(/nothing was imported/);
    expect(await h.run('manual', 'list', '--json')).toBe(0);
    expect(JSON.parse(h.out.pop()!).entries).toEqual([]);
  });

  it('keeps manual entries across ingestions until `manual remove`', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'finops-cli-manual-'));
    const file = join(dir, 'extra.csv');
    writeFileSync(
      file,
      'period,category,description,amount,basis\n2026-03,domain,example.org at Gandi,10.00,TTC\n',
    );
    expect(await h.run('ingest', '--period', '2026-03', '--manual', file)).toBe(
      0,
    );
    expect(h.out.join('\n')).toMatch(/manual\s+1 added, 0 replaced, 0 removed/);
    expect(await h.run('ingest', '--period', '2026-03')).toBe(0);
    h.out.length = 0;
    expect(await h.run('manual', 'list')).toBe(0);
    const [line] = h.out;
    expect(line).toMatch(/2026-03\s+domain\s+8.33 HT\s+10.00 TTC\s+example.org at Gandi/);
    const id = line.split(/\s+/)[0];
    expect(await h.run('manual', 'remove', id)).toBe(0);
    expect(await h.run('manual', 'remove', id)).toBe(1);
    expect(h.out.pop()).toBe(`no manual entry ${id}`);
  });

  it('credentials prints the GET-only rules and never a secret', async () => {
    const secrets = {
      OVH_APPLICATION_KEY: 'ak-7Qz2Lr9XwP4m',
      OVH_APPLICATION_SECRET: 'as-Jk83HsVb02NcYt5e',
      OVH_CONSUMER_KEY: 'ck-Ue61Rq0PzM9aLk2w',
    };
    for (const json of [true, false]) {
      const h = harness({
        ...secrets,
        OVH_ENDPOINT: 'ovh-eu',
        OVH_CLOUD_PROJECT_ID: 'p1a2b3',
      });
      expect(await h.run('credentials', ...(json ? ['--json'] : []))).toBe(0);
      const printed = [...h.out, ...h.err].join('\n');
      for (const value of Object.values(secrets))
        expect(printed).not.toContain(value);
      // It does see them: it says they are set, and where they come from.
      expect(printed).toContain(
        'OVH credentials from OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY (endpoint ovh-eu, cloud project set)',
      );
      if (json) {
        const r = JSON.parse(h.out.join('\n'));
        expect(
          r.accessRules.every((x: { method: string }) => x.method === 'GET'),
        ).toBe(true);
        expect(r.accessRules.map((x: { path: string }) => x.path)).toEqual(
          expect.arrayContaining(['/me/bill/*', '/cloud/project/p1a2b3/usage/*']),
        );
      }
    }
  });

  it('credentials without any key says the estimates are used', async () => {
    const h = harness();
    expect(await h.run('credentials', '--json')).toBe(0);
    expect(JSON.parse(h.out.join('\n')).state).toMatch(/no OVH credentials/);
  });
});
