/**
 * Benchmark: generating the Microsoft Update stand-in catalog. For each size, in a fresh child
 * process (so peak RSS is that run's own): generation alone (documents built and dropped), then
 * generation into a fresh SQLite site store (the `supsync catalog generate` path), then a 30-day
 * churn of that store. Also the update-document reader over the first 30,000 generated updates.
 *
 *   node --import tsx bench/catalog-generate.ts [--sizes 30000,150000] [--out path]
 *
 * Prints one line per run and writes bench/results/catalog-generate.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUpdateDocument } from '../src/catalog/update-document.ts';
import { churnStore, generateCatalog, generateIntoStore } from '../src/catalog-gen/index.ts';
import { openSqliteSiteStore } from '../src/store/sqlite/sqlite-site-store.ts';

const NOW = new Date('2026-11-10T00:00:00Z');
const SEED = 'bench';

function textArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (from: number) => Math.round(performance.now() - from) / 1000;

/** Generation only: every document built, measured and dropped. */
function generateOnly(updates: number) {
  const t = performance.now();
  let docs = 0;
  let bytes = 0;
  let compressed = 0;
  for (const d of generateCatalog({ updates, seed: SEED, now: NOW })) {
    docs++;
    const size = Buffer.byteLength(d.xml);
    bytes += size;
    if (d.xml.length * 2 > 5120) compressed++;
  }
  return {
    mode: 'generate',
    updates,
    docs,
    seconds: seconds(t),
    xmlMB: Math.round(bytes / 1e5) / 10,
    compressedShare: Math.round((compressed / docs) * 1000) / 1000,
    peakRssMb: peakRssMb(),
  };
}

/** Into a fresh SQLite store, then a 30-day churn of it. */
async function intoStore(updates: number) {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-gen-'));
  const path = join(dir, 'catalog.db');
  try {
    const store = openSqliteSiteStore(path);
    const t = performance.now();
    const report = await generateIntoStore(store, { updates, seed: SEED, now: NOW });
    const generateSeconds = seconds(t);
    const c = performance.now();
    const churn = await churnStore(store, { days: 30, seed: SEED });
    const churnSeconds = seconds(c);
    await store.close();
    return {
      mode: 'store',
      updates,
      revisions: report.revisions,
      seconds: generateSeconds,
      updatesPerSecond: Math.round(updates / generateSeconds),
      dbMB: Math.round(statSync(path).size / 1e5) / 10,
      churn30Days: {
        seconds: churnSeconds,
        added: churn.added.length,
        revised: churn.revised.length,
        expired: churn.expired.length,
      },
      peakRssMb: peakRssMb(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reader over the first 30,000 generated updates (the sync engine's parse load). */
function parseRun() {
  const docs: string[] = [];
  for (const d of generateCatalog({ updates: 30_000, seed: SEED, now: NOW })) {
    if (d.revision.updateType !== 'Category' && d.revision.updateType !== 'Detectoid') docs.push(d.xml);
  }
  const bytes = docs.reduce((n, x) => n + Buffer.byteLength(x), 0);
  const t = performance.now();
  for (const x of docs) parseUpdateDocument(x);
  const s = seconds(t);
  return {
    mode: 'parse',
    docs: docs.length,
    avgBytes: Math.round(bytes / docs.length),
    seconds: s,
    MBps: Math.round(bytes / 1e4 / s) / 100,
  };
}

async function child(mode: string, updates: number): Promise<void> {
  const row = mode === 'generate' ? generateOnly(updates) : mode === 'store' ? await intoStore(updates) : parseRun();
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

async function main(): Promise<void> {
  const sizes = textArg('sizes', '30000,150000').split(',').map(Number);
  const out = textArg('out', 'bench/results/catalog-generate.json');
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string, updates: number) => {
    const line = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', mode, String(updates)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const row = JSON.parse(line.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    console.log(JSON.stringify(row));
    return row;
  };
  const rows = [run('parse', 30_000)];
  for (const n of sizes) rows.push(run('generate', n), run('store', n));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    seed: SEED,
    now: NOW.toISOString(),
    rows,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] ?? 'generate', Number(process.argv[at + 2]));
else await main();
