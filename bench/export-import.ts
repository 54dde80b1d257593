/**
 * Export packages (disconnected sites): on a generated catalog, `supsync export` of the whole
 * catalog, `supsync import` of it into a new disconnected site, and a second import of the same
 * package (nothing to download). Each is the real command in its own process, so its time and peak
 * RSS are its own. No target is set for these; they are recorded so a change that slows them shows.
 *
 *   node --import tsx bench/export-import.ts [updates]      (default 30000)
 *
 * Writes bench/results/export-import.json (one entry per size). The catalog is cached in bench/out/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const updates = Number(process.argv[2] ?? 30_000);
const OUT = new URL('./out/', import.meta.url).pathname;
const CLI = new URL('../bin/supsync.mjs', import.meta.url).pathname;
const PEAK_RSS = new URL('./peak-rss.mjs', import.meta.url).href;

interface Measured {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly json: Record<string, unknown>;
}

function supsync(...args: string[]): Measured {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['--import', PEAK_RSS, CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`supsync ${args.join(' ')} failed (${res.status}):\n${res.stderr}`);
  const kb = Number(/peak-rss-kb (\d+)/.exec(res.stderr)?.[1] ?? Number.NaN);
  return {
    seconds: Math.round(seconds * 100) / 100,
    peakRssMb: Math.round(kb / 1024),
    json: args.includes('--json') ? JSON.parse(res.stdout) : {},
  };
}

mkdirSync(OUT, { recursive: true });
const catalog = join(OUT, `export-catalog-${updates}.db`);
if (!existsSync(catalog))
  supsync('catalog', 'generate', '--db', catalog, '--updates', String(updates), '--seed', 'bench');
const pkg = join(OUT, `export-${updates}.gz`);
const site = join(OUT, `export-import-${updates}.db`);
for (const f of [pkg, site, `${site}-wal`, `${site}-shm`]) rmSync(f, { force: true });
rmSync(join(OUT, 'logs'), { recursive: true, force: true });

const exported = supsync('export', '--db', catalog, '--out', pkg, '--json');
supsync('init', '--db', site, '--upstream', 'none');
const first = supsync('import', '--db', site, '--in', pkg, '--json');
const again = supsync('import', '--db', site, '--in', pkg, '--json');
const downloaded = (m: Measured) => (m.json.updates as { downloaded: number }).downloaded;

const machine = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() };
const result = {
  machine,
  updates,
  packageMegabytes: Math.round(statSync(pkg).size / 1e5) / 10,
  export: { seconds: exported.seconds, peakRssMb: exported.peakRssMb },
  firstImport: { seconds: first.seconds, peakRssMb: first.peakRssMb, downloaded: downloaded(first) },
  secondImport: { seconds: again.seconds, peakRssMb: again.peakRssMb, downloaded: downloaded(again) },
};
console.log(JSON.stringify(result));
// Sizes not run this time keep their earlier results, each with the machine and date it was measured on.
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL('./results/export-import.json', import.meta.url);
const earlier = existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as { results: { updates: number }[] }).results
  : [];
const results = [...earlier.filter((e) => e.updates !== updates), result].sort((a, b) => a.updates - b.updates);
writeFileSync(file, `${JSON.stringify({ results }, null, 2)}\n`);
