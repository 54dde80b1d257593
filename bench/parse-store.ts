/**
 * Parse + store throughput (issue 4) as a ratio to a bare streaming parse of the same XML.
 * The same generated update documents are (a) run through saxes with no handlers, (b) parsed with
 * parseUpdateDocument, (c) parsed and committed to a fresh SQLite site store in sync-sized batches,
 * derived tables refreshed once at the end as a sync phase does, and (d) parsed with only the
 * documents stored, the ceiling of any design that keeps them in SQLite.
 *
 *   node --import tsx bench/parse-store.ts [documents]     (default 20000)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { openStore } from '../src/app.ts';
import type { StoredRevision, UpdateIdentity } from '../src/catalog/model.ts';
import { parseUpdateDocument } from '../src/catalog/update-document.ts';
import { generateCatalog } from '../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';
import { openDatabase } from '../src/store/sqlite/sqlite-driver.ts';

const n = Number(process.argv[2] ?? 20_000);
const docs: string[] = [];
for (const rev of generateCatalog({ updates: n, seed: 'parse-store', now: new Date('2026-11-10T00:00:00Z') })) {
  docs.push(rev.xml);
}
const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
const mb = bytes / 1e6;

function bareSaxes(): void {
  for (const d of docs) {
    const p = new SaxesParser({ xmlns: true });
    p.write(d).close();
  }
}

function parseOnly(): void {
  for (const d of docs) parseUpdateDocument(d);
}

async function parseAndStore(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const store = openStore(join(dir, 'site.db'));
  await store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'bench', upstreamUrl: 'none' });
  let batch: StoredRevision[] = [];
  // As a sync phase writes: the derived tables of every batch are refreshed by the last one.
  for (const xml of docs) {
    batch.push({ revision: parseUpdateDocument(xml), xml });
    if (batch.length === 500) {
      await store.putRevisions(batch, { deferDerived: true });
      batch = [];
    }
  }
  await store.putRevisions(batch);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The ceiling of any design that keeps the documents in SQLite: parse each document and store only
 * the document itself, one row per revision, with the store's pragmas and batches — no summary row,
 * no derived rows, no hash.
 */
function parseAndStoreDocumentsOnly(): void {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const db = openDatabase(join(dir, 'docs.db'));
  db.exec('CREATE TABLE docs (update_id TEXT NOT NULL, revision_number INTEGER NOT NULL, xml TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO docs VALUES (?, ?, ?)');
  const commit = (batch: { id: UpdateIdentity; xml: string }[]) =>
    db.transaction(() => {
      for (const d of batch) insert.run(d.id.updateId, d.id.revisionNumber, d.xml);
    })();
  let batch: { id: UpdateIdentity; xml: string }[] = [];
  for (const xml of docs) {
    batch.push({ id: parseUpdateDocument(xml).identity, xml });
    if (batch.length === 500) {
      commit(batch);
      batch = [];
    }
  }
  commit(batch);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function time(fn: () => unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

// Alternate the variants so machine load hits them alike; keep the best of three.
const best = { saxes: Infinity, parse: Infinity, parseStore: Infinity, documentsOnly: Infinity };
for (let i = 0; i < 3; i++) {
  best.saxes = Math.min(best.saxes, await time(bareSaxes));
  best.parse = Math.min(best.parse, await time(parseOnly));
  best.parseStore = Math.min(best.parseStore, await time(parseAndStore));
  best.documentsOnly = Math.min(best.documentsOnly, await time(parseAndStoreDocumentsOnly));
}
const mbps = (s: number) => Math.round((mb / s) * 10) / 10;
const result = {
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
  documents: docs.length,
  megabytes: Math.round(mb * 10) / 10,
  bareSaxesMBps: mbps(best.saxes),
  parseMBps: mbps(best.parse),
  parseAndStoreMBps: mbps(best.parseStore),
  parseRatio: Math.round((best.saxes / best.parse) * 100) / 100,
  parseAndStoreRatio: Math.round((best.saxes / best.parseStore) * 100) / 100,
  parseAndStoreDocumentsOnlyMBps: mbps(best.documentsOnly),
  parseAndStoreDocumentsOnlyRatio: Math.round((best.saxes / best.documentsOnly) * 100) / 100,
};
console.log(JSON.stringify(result));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/parse-store.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
