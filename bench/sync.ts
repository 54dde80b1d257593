/**
 * Sync benchmark (issue 4): on a generated catalog served over real HTTP on loopback, a child site
 * runs its first full sync, a no-change delta, a delta after ~1 % churn, and a full sync with no
 * changes. Each sync is the real `supsync sync` command in its own process, so its peak RSS is its own.
 *
 *   node --import tsx bench/sync.ts [updates...]      (default: 30000 150000)
 *   node --import tsx bench/sync.ts --pg postgres://supsync@127.0.0.1:55432/postgres [updates...]
 *
 * Writes bench/results/sync.json, or with `--pg` bench/results/sync-postgres.json, where the child
 * site lives in a schema of that server (dropped first) and the upstream stays on SQLite. With
 * `--pg`, peak RSS is the sync process's alone: the server's own memory is not in it. Catalogs are
 * cached in bench/out/ between runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { openSite } from '../src/app.ts';
import { buildHttpServer } from '../src/app-http.ts';
import { churnStore, generateIntoStore } from '../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';
import type { SyncRunRecord } from '../src/store/site-store.ts';
import { freshPgSite, pgOption } from './pg-option.ts';

const { pgUrl: PG_URL, positional: sizeArgs } = pgOption();

const OUT = new URL('./out/', import.meta.url).pathname;
const RESULTS = new URL('./results/', import.meta.url).pathname;

interface Measured {
  /** Wall time of the whole process, start-up (tsx, opening the store) included. */
  readonly seconds: number;
  /** The run's own time, from its start to its finish as recorded. */
  readonly syncSeconds: number;
  readonly peakRssMb: number;
  readonly kind: string;
  readonly downloaded: number;
  readonly listed: number;
}

const CLI = new URL('../bin/supsync.mjs', import.meta.url).pathname;
const PEAK_RSS = new URL('./peak-rss.mjs', import.meta.url).href;

function spawnAsync(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs `supsync sync --db <db> --json` as its own process, the way an admin or a scheduler runs it
 * (compiled JavaScript when `npm install` built it), and times it; its peak RSS is its own.
 */
async function timedSync(db: string, full: boolean): Promise<Measured> {
  const started = process.hrtime.bigint();
  // Asynchronous: the upstream serves from this process's event loop while the child syncs.
  const res = await spawnAsync(process.execPath, [
    '--import',
    PEAK_RSS,
    CLI,
    'sync',
    '--db',
    db,
    '--json',
    // Beside the catalogs, also for a site on PostgreSQL (whose default is logs/ in the working folder).
    '--log-dir',
    join(OUT, 'logs'),
    ...(full ? ['--full'] : []),
  ]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`sync failed (${res.status}): ${res.stderr}${res.stdout}`);
  const run = JSON.parse(res.stdout) as SyncRunRecord;
  if (run.state !== 'succeeded') throw new Error(`sync ${run.state}: ${run.errorMessage}`);
  const maxRssKb = Number(/peak-rss-kb (\d+)/.exec(res.stderr)?.[1]);
  return {
    seconds: Math.round(seconds * 100) / 100,
    syncSeconds: (Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt ?? '')) / 1000,
    peakRssMb: Math.round(maxRssKb / 1024),
    kind: run.kind,
    downloaded: (run.updates?.downloaded ?? 0) + (run.categories?.downloaded ?? 0),
    listed: run.updates?.listed ?? 0,
  };
}

/** bench/out/child-<updates>.db, deleted first if it exists. */
function freshSqliteFile(updates: number): string {
  const path = join(OUT, `child-${updates}.db`);
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  return path;
}

async function bench(updates: number): Promise<Record<string, unknown>> {
  mkdirSync(OUT, { recursive: true });
  const upstreamDb = join(OUT, `upstream-${updates}.db`);
  const mu = await openSite({ db: upstreamDb, logDir: join(OUT, 'logs') });
  let generateSeconds: number | null = null;
  if ((await mu.store.listLatestIdentities(false)).length === 0) {
    const t = Date.now();
    await generateIntoStore(mu.store, { updates, seed: 'bench', now: new Date('2026-11-10T00:00:00Z') });
    generateSeconds = (Date.now() - t) / 1000;
  }
  const app = await buildHttpServer({ site: mu });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const childDb = PG_URL === undefined ? freshSqliteFile(updates) : await freshPgSite(PG_URL, `bench_sync_${updates}`);
  const child = await openSite({ db: childDb, logDir: join(OUT, 'logs') });
  await child.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'bench', upstreamUrl: url });
  await child.close();
  try {
    const firstFull = await timedSync(childDb, false);
    const noChangeDelta = await timedSync(childDb, false);
    // About 1 % of the catalog changes in ~2.5 weeks of the generated catalog's life.
    const churn = await churnStore(mu.store, { days: 18, seed: `bench-${Date.now()}` });
    const changed = churn.added.length + churn.revised.length + churn.expired.length;
    const deltaAfterChurn = await timedSync(childDb, false);
    const fullNoChange = await timedSync(childDb, true);
    return {
      updates,
      generateSeconds,
      firstFull,
      noChangeDelta,
      churn: { changed, percent: Math.round((changed / updates) * 1000) / 10 },
      deltaAfterChurn,
      fullNoChange,
    };
  } finally {
    await app.close();
    await mu.close();
  }
}

const sizes = sizeArgs.map(Number);
const results: Record<string, unknown>[] = [];
for (const n of sizes.length > 0 ? sizes : [30_000, 150_000]) {
  const r = await bench(n);
  results.push(r);
  console.log(JSON.stringify(r));
}
const machine = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() };
// Sizes not run this time keep their earlier results, each with the date it was measured and the
// machine it was measured on (the file's `machine` is the latest run's).
const file = join(RESULTS, PG_URL === undefined ? 'sync.json' : 'sync-postgres.json');
const before = existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as { machine?: typeof machine; results: Record<string, unknown>[] })
  : { results: [] };
const earlier: Record<string, unknown>[] = before.results.map((e) => ({ machine: before.machine, ...e }));
const fresh: Record<string, unknown>[] = results.map((r) => ({ ...r, measuredAt: machine.date, machine }));
const merged = [...earlier.filter((e) => !results.some((r) => r.updates === e.updates)), ...fresh].sort(
  (a, b) => Number(a.updates) - Number(b.updates),
);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(file, `${JSON.stringify({ machine, results: merged }, null, 2)}\n`);
