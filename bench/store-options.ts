/**
 * What the store's write settings buy (issue 4): the same parsed update documents written to a
 * fresh site store in 500-revision batches, with 4 KiB or 8 KiB pages (the page size a new database
 * gets), and with the derived tables refreshed per batch or deferred to one closing refresh (what a
 * sync phase does). Variants alternate so machine load hits them alike; the best of the rounds is
 * kept. Parsing is done once, up front, and not timed.
 *
 *   node --import tsx bench/store-options.ts [documents] [rounds]     (default 20000, 2)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/app.ts';
import type { StoredRevision } from '../src/catalog/model.ts';
import { parseUpdateDocument } from '../src/catalog/update-document.ts';
import { generateCatalog } from '../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';

const n = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 2);
const revisions: StoredRevision[] = [];
for (const rev of generateCatalog({ updates: n, seed: 'parse-store', now: new Date('2026-11-10T00:00:00Z') })) {
  revisions.push({ revision: parseUpdateDocument(rev.xml), xml: rev.xml });
}

interface Variant {
  readonly pageSize: 4096 | 8192;
  readonly deferred: boolean;
}
const VARIANTS: readonly Variant[] = [
  { pageSize: 4096, deferred: false },
  { pageSize: 4096, deferred: true },
  { pageSize: 8192, deferred: false },
  { pageSize: 8192, deferred: true },
];
const nameOf = (v: Variant) =>
  `${v.pageSize / 1024} KiB pages, ${v.deferred ? 'deferred refresh' : 'refresh per batch'}`;

/** Batches, then the closing refresh (a plain write with nothing in it), timed apart. */
async function run(v: Variant): Promise<{ batches: number; closing: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const path = join(dir, 'site.db');
  // The page size is fixed by the first write: create the file with the variant's, then let the
  // store open it as it opens any existing database.
  const raw = new Database(path);
  raw.pragma(`page_size = ${v.pageSize}`);
  raw.pragma('journal_mode = WAL');
  raw.close();
  const store = await openStore(path);
  try {
    await store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'bench', upstreamUrl: 'none' });
    const t0 = performance.now();
    for (let i = 0; i < revisions.length; i += 500) {
      await store.putRevisions(revisions.slice(i, i + 500), { deferDerived: v.deferred });
    }
    const t1 = performance.now();
    await store.putRevisions([]);
    const t2 = performance.now();
    return { batches: (t1 - t0) / 1000, closing: (t2 - t1) / 1000 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const best = new Map<Variant, { batches: number; closing: number }>();
for (let r = 0; r < rounds; r++) {
  for (const v of VARIANTS) {
    const t = await run(v);
    const b = best.get(v);
    if (b === undefined || t.batches + t.closing < b.batches + b.closing) best.set(v, t);
  }
}
const round2 = (x: number) => Math.round(x * 100) / 100;
const result = {
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
  loadAverage: loadavg().map(round2),
  documents: revisions.length,
  rounds,
  seconds: Object.fromEntries(
    VARIANTS.map((v) => {
      const t = best.get(v) ?? { batches: Number.NaN, closing: Number.NaN };
      return [
        nameOf(v),
        { batches: round2(t.batches), closingRefresh: round2(t.closing), total: round2(t.batches + t.closing) },
      ];
    }),
  ),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/store-options.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
