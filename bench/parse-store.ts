/**
 * Parse + store throughput (issue 4) as a ratio to a bare streaming parse of the same XML.
 * The same generated update documents are (a) run through saxes with no handlers, (b) parsed with
 * parseUpdateDocument, (c) parsed and committed to a fresh SQLite site store in sync-sized batches,
 * derived tables refreshed once at the end as a sync phase does, (d) parsed with only the
 * documents stored, the ceiling of any design that keeps them in SQLite, and (e) parsed with every
 * fact supsync stores per revision written once, in the leanest layout we could think of (integer
 * keys, plain inserts, no foreign keys, no memberships or paging facets at all): a floor for any
 * design that answers the same queries from SQLite, and (f) parsed here and stored by the site store
 * on its worker thread, as `supsync serve` runs it, with one batch in flight while the next is
 * parsed.
 *
 * The pipelined bound: with parsing on one thread, the writes on another (SQLite has one writer per
 * database) and nothing lost handing revisions over, parse + store takes as long as the busier
 * thread, max(parse, parse + store - parse). `pipelinedBoundRatio` is the ratio that allows with
 * supsync's store, `leanPipelinedBoundRatio` with the lean floor.
 *
 *   node --import tsx bench/parse-store.ts [documents]     (default 20000)
 *   node --import tsx bench/parse-store.ts --pg <postgres://…> [documents]
 *
 * With `--pg`, only the bare parse, the parse and (g) parse + store into a site on that PostgreSQL
 * server (a fresh schema each round, one batch in flight while the next is parsed: the server's
 * processes do the writing) are run, into parse-store-postgres.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { openStore } from '../src/app.ts';
import { contentHash, type StoredRevision } from '../src/catalog/model.ts';
import { parseUpdateDocument } from '../src/catalog/update-document.ts';
import { generateCatalog } from '../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';
import type { SiteStore } from '../src/store/site-store.ts';
import { openDatabase } from '../src/store/sqlite/sqlite-driver.ts';
import { openThreadedSiteStore } from '../src/store/sqlite/threaded-site-store.ts';
import { dropPgSchema, freshPgSite, pgOption } from './pg-option.ts';

const { pgUrl: PG_URL, positional } = pgOption();
const n = Number(positional[0] ?? 20_000);
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

/** Parses every document and hands them to `commit` in batches of 500, as a sync phase does. */
async function parseInBatches(commit: (batch: StoredRevision[], last: boolean) => unknown): Promise<void> {
  let batch: StoredRevision[] = [];
  for (const xml of docs) {
    batch.push({ revision: parseUpdateDocument(xml), xml });
    if (batch.length === 500) {
      await commit(batch, false);
      batch = [];
    }
  }
  await commit(batch, true);
}

/**
 * Seconds from an opened, initialized store to its last batch committed. Opening is left out: the
 * worker thread, started from the sources, first loads tsx (~0.25 s here), which the compiled
 * command does not.
 */
async function parseAndStoreWith(
  open: (path: string) => SiteStore | Promise<SiteStore>,
  inFlight: boolean,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const store = await open(join(dir, 'site.db'));
  await store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'bench', upstreamUrl: 'none' });
  const started = process.hrtime.bigint();
  // As a sync phase writes: the derived tables of every batch are refreshed by the last one.
  let previous: Promise<void> = Promise.resolve();
  await parseInBatches(async (batch, last) => {
    await previous;
    previous = store.putRevisions(batch, { deferDerived: !last });
    if (!inFlight) await previous;
  });
  await previous;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

let pgRound = 0;
/** (g) The site in schema bench_parse_store_<round> of the --pg server, dropped afterwards. */
async function parseAndStoreOnPostgres(): Promise<number> {
  const server = PG_URL as string;
  const schema = `bench_parse_store_${++pgRound}`;
  const url = await freshPgSite(server, schema);
  const seconds = await parseAndStoreWith(() => openStore(url), true);
  await dropPgSchema(server, schema);
  return seconds;
}

const parseAndStore = () => parseAndStoreWith(openStore, false);
const parseAndStoreOnWorker = () => parseAndStoreWith((path) => openThreadedSiteStore(path).store, true);

/**
 * The ceiling of any design that keeps the documents in SQLite: parse each document and store only
 * the document itself, one row per revision, with the store's pragmas and batches — no summary row,
 * no derived rows, no hash.
 */
async function parseAndStoreDocumentsOnly(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const db = openDatabase(join(dir, 'docs.db'));
  db.exec('CREATE TABLE docs (update_id TEXT NOT NULL, revision_number INTEGER NOT NULL, xml TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO docs VALUES (?, ?, ?)');
  await parseInBatches((batch) =>
    db.transaction(() => {
      for (const { revision, xml } of batch)
        insert.run(revision.identity.updateId, revision.identity.revisionNumber, xml);
    })(),
  );
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

// (e) One row per fact, keyed by an integer assigned in arrival order, so every B-tree but the
// reverse look-ups grows at its right edge. Reverse indexes only where supsync's queries need one.
const LEAN_DDL = `
CREATE TABLE u (uid INTEGER PRIMARY KEY, update_id TEXT NOT NULL UNIQUE, rev INTEGER NOT NULL, type TEXT NOT NULL,
  title TEXT NOT NULL, title_lc TEXT NOT NULL, description TEXT, kb TEXT NOT NULL, severity TEXT, posted TEXT NOT NULL,
  state TEXT NOT NULL, bundle INTEGER NOT NULL, feature INTEGER NOT NULL) STRICT;
CREATE INDEX u_browse ON u (posted DESC, uid, title_lc);
CREATE TABLE r (uid INTEGER NOT NULL, rev INTEGER NOT NULL, xml TEXT NOT NULL, hash TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (uid, rev)) STRICT;
CREATE TABLE loc (uid INTEGER NOT NULL, lang TEXT NOT NULL, title TEXT NOT NULL, description TEXT,
  PRIMARY KEY (uid, lang)) STRICT, WITHOUT ROWID;
CREATE TABLE kbs (uid INTEGER NOT NULL, kb TEXT NOT NULL, PRIMARY KEY (uid, kb)) STRICT, WITHOUT ROWID;
CREATE INDEX kbs_by_kb ON kbs (kb, uid);
CREATE TABLE pre (uid INTEGER NOT NULL, ref TEXT NOT NULL, cat INTEGER NOT NULL, PRIMARY KEY (uid, ref)) STRICT, WITHOUT ROWID;
CREATE INDEX pre_by_ref ON pre (ref, uid);
CREATE TABLE bun (uid INTEGER NOT NULL, member TEXT NOT NULL, mrev INTEGER NOT NULL, PRIMARY KEY (uid, member)) STRICT, WITHOUT ROWID;
CREATE INDEX bun_by_member ON bun (member, uid);
CREATE TABLE sup (uid INTEGER NOT NULL, superseded TEXT NOT NULL, PRIMARY KEY (uid, superseded)) STRICT, WITHOUT ROWID;
CREATE INDEX sup_by_superseded ON sup (superseded, uid);
CREATE TABLE files (uid INTEGER NOT NULL, rev INTEGER NOT NULL, sha1 TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL) STRICT;
CREATE INDEX files_by_sha1 ON files (sha1);
`;

async function parseAndStoreLean(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const db = openDatabase(join(dir, 'lean.db'));
  db.exec(LEAN_DDL);
  const s = {
    u: db.prepare(`INSERT INTO u (update_id, rev, type, title, title_lc, description, kb, severity, posted, state, bundle,
      feature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING uid`),
    r: db.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?)'),
    loc: db.prepare('INSERT OR REPLACE INTO loc VALUES (?, ?, ?, ?)'),
    kb: db.prepare('INSERT OR IGNORE INTO kbs VALUES (?, ?)'),
    pre: db.prepare('INSERT OR IGNORE INTO pre VALUES (?, ?, ?)'),
    bun: db.prepare('INSERT OR IGNORE INTO bun VALUES (?, ?, ?)'),
    sup: db.prepare('INSERT OR IGNORE INTO sup VALUES (?, ?)'),
    file: db.prepare('INSERT INTO files VALUES (?, ?, ?, ?, ?)'),
  };
  let seq = 0;
  const writeOne = ({ revision: rev, xml }: StoredRevision) => {
    const rn = rev.identity.revisionNumber;
    const text = rev.localized.find((l) => l.language === 'en') ?? rev.localized[0];
    const title = text?.title ?? '';
    const { uid } = s.u.get(
      rev.identity.updateId,
      rn,
      rev.updateType,
      title,
      title.toLowerCase(),
      text?.description ?? null,
      JSON.stringify(rev.kbArticleIds),
      rev.msrcSeverity ?? null,
      rev.creationDate,
      rev.publicationState,
      rev.bundledUpdates.length > 0 ? 1 : 0,
      rev.isFeatureUpdate ? 1 : 0,
    ) as { uid: number };
    s.r.run(uid, rn, xml, contentHash(xml), ++seq);
    for (const l of rev.localized) s.loc.run(uid, l.language, l.title, l.description ?? null);
    for (const kb of rev.kbArticleIds) s.kb.run(uid, kb);
    for (const c of rev.prerequisites) for (const ref of c.updateIds) s.pre.run(uid, ref, c.isCategory ? 1 : 0);
    for (const m of rev.bundledUpdates) s.bun.run(uid, m.updateId, m.revisionNumber);
    for (const id of rev.supersededUpdateIds) s.sup.run(uid, id);
    for (const f of rev.files) s.file.run(uid, rn, f.digestSha1, f.fileName, f.size);
  };
  await parseInBatches((batch) =>
    db.transaction(() => {
      for (const stored of batch) writeOne(stored);
    })(),
  );
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function time(fn: () => unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

if (PG_URL !== undefined) {
  // Alternated as below; the best of three.
  let saxes = Infinity;
  let parse = Infinity;
  let onPostgres = Infinity;
  for (let i = 0; i < 3; i++) {
    saxes = Math.min(saxes, await time(bareSaxes));
    parse = Math.min(parse, await time(parseOnly));
    onPostgres = Math.min(onPostgres, await parseAndStoreOnPostgres());
  }
  const result = {
    machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
    documents: docs.length,
    megabytes: Math.round(mb * 10) / 10,
    bareSaxesSeconds: Math.round(saxes * 100) / 100,
    parseSeconds: Math.round(parse * 100) / 100,
    parseAndStoreOnPostgresSeconds: Math.round(onPostgres * 100) / 100,
    parseAndStoreOnPostgresRatio: Math.round((saxes / onPostgres) * 100) / 100,
  };
  console.log(JSON.stringify(result));
  writeFileSync(
    new URL('./results/parse-store-postgres.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  process.exit(0);
}

// Alternate the variants so machine load hits them alike; keep the best of three.
const best = {
  saxes: Infinity,
  parse: Infinity,
  parseStore: Infinity,
  documentsOnly: Infinity,
  lean: Infinity,
  onWorker: Infinity,
};
for (let i = 0; i < 3; i++) {
  best.saxes = Math.min(best.saxes, await time(bareSaxes));
  best.parse = Math.min(best.parse, await time(parseOnly));
  best.parseStore = Math.min(best.parseStore, await parseAndStore());
  best.documentsOnly = Math.min(best.documentsOnly, await time(parseAndStoreDocumentsOnly));
  best.lean = Math.min(best.lean, await time(parseAndStoreLean));
  best.onWorker = Math.min(best.onWorker, await parseAndStoreOnWorker());
}
const ratio = (s: number) => Math.round((best.saxes / s) * 100) / 100;
const pipelined = (total: number) => Math.max(best.parse, total - best.parse);
const mbps = (s: number) => Math.round((mb / s) * 10) / 10;
const result = {
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
  documents: docs.length,
  megabytes: Math.round(mb * 10) / 10,
  bareSaxesMBps: mbps(best.saxes),
  parseMBps: mbps(best.parse),
  parseAndStoreMBps: mbps(best.parseStore),
  parseRatio: ratio(best.parse),
  parseAndStoreRatio: ratio(best.parseStore),
  pipelinedBoundRatio: ratio(pipelined(best.parseStore)),
  parseAndStoreDocumentsOnlyMBps: mbps(best.documentsOnly),
  parseAndStoreDocumentsOnlyRatio: ratio(best.documentsOnly),
  parseAndStoreLeanMBps: mbps(best.lean),
  parseAndStoreLeanRatio: ratio(best.lean),
  leanPipelinedBoundRatio: ratio(pipelined(best.lean)),
  parseAndStoreOnWorkerMBps: mbps(best.onWorker),
  parseAndStoreOnWorkerRatio: ratio(best.onWorker),
};
console.log(JSON.stringify(result));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/parse-store.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
