/**
 * How the API of `supsync serve` answers while the site runs its first full sync, with the store on
 * the process's own thread and on a worker thread (`storeThread`, what `serve` uses). A poller on
 * a thread of its own asks `GET /api/v1/status` (authenticated, so the token look-up reads the
 * store too) back to back and records each answer's latency; the sync's own time is recorded too.
 * The upstream runs as `supsync serve` in another process.
 *
 *   node --import tsx bench/api-during-sync.ts [updates]      (default 30000)
 *   node --import tsx bench/api-during-sync.ts --pg <postgres://…> [updates]
 *
 * Writes bench/results/api-during-sync.json, keeping the results of other sizes. With `--pg`, the
 * site lives in schema bench_during_sync of that server (dropped first), where the API reads from
 * the pool beside the sync's writes, into api-during-sync-postgres.json. The upstream catalog is
 * cached in bench/out/ (on SQLite either way).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createApiToken } from '../src/api/auth.ts';
import { openSite } from '../src/app.ts';
import { buildHttpServer } from '../src/app-http.ts';
import { generateIntoStore } from '../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';
import { dropPgSchema, freshPgSite, pgOption } from './pg-option.ts';

const { pgUrl: PG_URL, positional } = pgOption();
const updates = Number(positional[0] ?? 30_000);
const OUT = new URL('./out/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });

// Plain JavaScript, so the poller thread needs no loader. Stops when told to, answers its samples.
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.once('message', () => { stop = true; });
(async () => {
  const samples = [];
  while (!stop) {
    const t = performance.now();
    const res = await fetch(workerData.url, { headers: { authorization: 'Bearer ' + workerData.token } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error('status answered ' + res.status);
    samples.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage(samples);
})();
`;

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { requests: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: at(1) };
}

const PG_SCHEMA = 'bench_during_sync';

/** A fresh site database: a SQLite file in bench/out/, or the bench schema of the --pg server. */
async function freshDb(storeThread: boolean): Promise<string> {
  if (PG_URL !== undefined) return freshPgSite(PG_URL, PG_SCHEMA);
  const db = join(OUT, `during-sync-${storeThread ? 'threaded' : 'inline'}.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  return db;
}

async function measure(upstreamUrl: string, storeThread: boolean) {
  const db = await freshDb(storeThread);
  const site = await openSite({ db, logDir: join(OUT, 'logs'), storeThread });
  await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'bench', upstreamUrl });
  const { token } = await createApiToken(site.store, 'bench', 'read', () => new Date());
  const app = await buildHttpServer({ site });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const poller = new Worker(POLLER, { eval: true, workerData: { url: `${url}/api/v1/status`, token } });
  const samples = new Promise<number[]>((resolve, reject) => {
    poller.once('message', resolve);
    poller.once('error', reject);
  });
  const t = performance.now();
  const run = await (await site.coordinator.request({ full: false, trigger: 'manual' })).finished;
  const syncSeconds = Math.round((performance.now() - t) / 100) / 10;
  poller.postMessage('stop');
  const latency = summarize(await samples);
  await poller.terminate();
  await app.close();
  await site.close();
  if (run.state !== 'succeeded') throw new Error(`sync ${run.state}: ${run.errorMessage}`);
  return { syncSeconds, downloaded: run.updates?.downloaded ?? 0, statusLatency: latency };
}

// The upstream is `supsync serve` in a process of its own, as a parent site or a WSUS would be, so
// its answers never hold up this process's event loop.
const upstreamDb = join(OUT, `upstream-${updates}.db`);
const upstream = await openSite({ db: upstreamDb, logDir: join(OUT, 'logs') });
if ((await upstream.store.listLatestIdentities(false)).length === 0) {
  await generateIntoStore(upstream.store, { updates, seed: 'bench', now: new Date('2026-11-10T00:00:00Z') });
}
await upstream.close();
const CLI = new URL('../bin/supsync.mjs', import.meta.url).pathname;
const server = spawn(process.execPath, [CLI, 'serve', '--db', upstreamDb, '--port', '0', '--no-scheduler'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const upstreamUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const m = /supsync serving (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m?.[1] !== undefined) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`the upstream exited (${code}) before serving: ${out}`)));
});
const result = {
  updates,
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  ...(PG_URL === undefined
    ? {
        storeOnThisThread: await measure(upstreamUrl, false),
        storeOnWorkerThread: await measure(upstreamUrl, true),
      }
    : { postgres: await measure(upstreamUrl, false) }),
};
if (PG_URL !== undefined) await dropPgSchema(PG_URL, PG_SCHEMA);
server.kill('SIGTERM');
await once(server, 'exit');
console.log(JSON.stringify(result, null, 2));
const file = new URL(`./results/api-during-sync${PG_URL === undefined ? '' : '-postgres'}.json`, import.meta.url);
const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { results: (typeof result)[] }).results : [];
const results = [...kept.filter((r) => r.updates !== updates), result].sort((a, b) => a.updates - b.updates);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(file, `${JSON.stringify({ results }, null, 2)}\n`);
