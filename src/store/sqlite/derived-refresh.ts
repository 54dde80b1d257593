/**
 * Keeps the derived membership tables right after a batch of writes or removals, set-based.
 *
 * Writers mark what they touched in temp tables; `finish()` then recomputes, for exactly the
 * affected update ids: the per-update rows of each written update's latest revision (update_kbs,
 * update_prereqs, bundles, supersedence), read from its stored facts (`revisions.parsed`) in update
 * id order, so every table keyed by update id grows in key order instead of at a random page per
 * row (storing 20,000 revisions wrote 0.5 GB instead of 1.4 GB); direct memberships
 * (update_categories), the superseded flag, the effective product/classification scope
 * (update_scope) including inheritance from bundles — to a fixed point, so nested bundles and any
 * arrival order (bundle before or after its leaves, category after the updates that name it) give
 * the same result — and the paging facets built from it (update_facets).
 *
 * A batch may instead be deferred (`defer()`): its marks are saved in `derived_pending`, in the same
 * transaction as the rows they describe, and the next `finish()` refreshes them together with its
 * own. A first full sync writes tens of thousands of revisions in batches of a few hundred; refreshing
 * once per phase instead of once per batch halves its store time (bench/results/store-options.json).
 * The change sequence served downstream (`published`) moves only in `finish()`, so an anchor handed
 * to a downstream server never covers revisions whose memberships are not written yet.
 */
import { MAX_BUNDLE_DEPTH } from '../catalog-facts.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const TEMP_DDL = `
CREATE TEMP TABLE IF NOT EXISTS t_written (update_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_cat_changed (update_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_direct (update_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_sup_dirty (update_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_scope_dirty (update_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_facts (update_id TEXT PRIMARY KEY, facts BLOB NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS t_old_scope (update_id TEXT, category_id TEXT, PRIMARY KEY (update_id, category_id)) WITHOUT ROWID;
`;

const CLEAR = ['t_facts', 't_written', 't_cat_changed', 't_direct', 't_sup_dirty', 't_scope_dirty', 't_old_scope']
  .map((t) => `DELETE FROM ${t};`)
  .join('\n');

// KB ids normalized in SQL as `normalizeKb` (../catalog-facts.ts) does in JS; the two must agree.
function normalizedKb(value: string): string {
  const trimmed = `trim(${value}, ' ' || char(9, 10, 13))`;
  return `CASE WHEN lower(substr(${trimmed}, 1, 2)) = 'kb' THEN substr(${trimmed}, 3) ELSE ${trimmed} END`;
}

/**
 * Written updates whose per-update rows are rebuilt per statement round. Their facts are copied to
 * `t_facts` first: reading them from `revisions` once, instead of once per table, took the rebuild
 * of 20,000 updates from ~0.9 s to ~0.4 s (each read walks the document's overflow pages and parses
 * the whole JSON). Bounded, because the temp table lives in memory: ~0.5 KB per update.
 */
const FACTS_CHUNK = 5000;

// Every statement starts from a small temp table and reaches the big tables by index. The temp
// tables have no statistics, so the planner would happily scan update_scope instead: CROSS JOIN
// pins the temp table as the outer loop.
const SQL = {
  markWritten: 'INSERT OR IGNORE INTO t_written (update_id) VALUES (?)',
  markCategoryChanged: 'INSERT OR IGNORE INTO t_cat_changed (update_id) VALUES (?)',
  markOldMembers: 'INSERT OR IGNORE INTO t_scope_dirty (update_id) SELECT member_id FROM bundles WHERE bundle_id = ?',
  markOldTargets:
    'INSERT OR IGNORE INTO t_sup_dirty (update_id) SELECT superseded_id FROM supersedence WHERE superseding_id = ?',
  // The written updates' old edges count as changed too (a member that left a bundle, an update no
  // longer superseded), then their old per-update rows go.
  oldMembers: `INSERT OR IGNORE INTO t_scope_dirty (update_id)
    SELECT b.member_id FROM t_written w CROSS JOIN bundles b ON b.bundle_id = w.update_id`,
  oldTargets: `INSERT OR IGNORE INTO t_sup_dirty (update_id)
    SELECT s.superseded_id FROM t_written w CROSS JOIN supersedence s ON s.superseding_id = w.update_id`,
  deleteKbs: 'DELETE FROM update_kbs WHERE update_id IN (SELECT update_id FROM t_written)',
  deletePrereqs: 'DELETE FROM update_prereqs WHERE update_id IN (SELECT update_id FROM t_written)',
  deleteBundles: 'DELETE FROM bundles WHERE bundle_id IN (SELECT update_id FROM t_written)',
  deleteSupersedence: 'DELETE FROM supersedence WHERE superseding_id IN (SELECT update_id FROM t_written)',
  // The last written update id of the next round, or none when fewer than a round are left.
  factsBound: 'SELECT update_id AS id FROM t_written WHERE update_id > ? ORDER BY update_id LIMIT 1 OFFSET ?',
  // The facts of the latest revision of written updates in (from, to]. A document whose facts no
  // longer parse (damaged on disk) is skipped rather than failing the refresh: it keeps no
  // per-update rows until a full sync repairs it, which writes it again. Facts that parse but hold
  // the wrong kinds of values give only the well-formed ones (the `type` tests below).
  loadFacts: `INSERT INTO t_facts (update_id, facts)
    SELECT w.update_id, jsonb_object('kbs', r.parsed -> '$.kbArticleIds', 'prereqs', r.parsed -> '$.prerequisites',
      'members', r.parsed -> '$.bundledUpdates', 'superseded', r.parsed -> '$.supersededUpdateIds')
    FROM t_written w
    CROSS JOIN updates u ON u.update_id = w.update_id
    CROSS JOIN revisions r ON r.update_id = u.update_id AND r.revision_number = u.latest_revision
    WHERE w.update_id > @from AND (@to IS NULL OR w.update_id <= @to) AND json_valid(r.parsed)`,
  clearFacts: 'DELETE FROM t_facts',
  insertKbs: `INSERT OR IGNORE INTO update_kbs (update_id, kb)
    SELECT w.update_id, ${normalizedKb('k.value')}
    FROM t_facts w CROSS JOIN json_each(w.facts, '$.kbs') k
    WHERE k.type = 'text'`,
  // An id named in several clauses is one edge, via a category clause if any names it so.
  insertPrereqs: `INSERT INTO update_prereqs (update_id, ref_id, via_clause)
    SELECT w.update_id, i.value, coalesce(c.value ->> 'isCategory', 0)
    FROM t_facts w
    CROSS JOIN json_each(w.facts, '$.prereqs') c
    CROSS JOIN json_each(c.value, '$.updateIds') i
    WHERE c.type = 'object' AND i.type = 'text'
    ON CONFLICT (update_id, ref_id) DO UPDATE SET via_clause = max(via_clause, excluded.via_clause)`,
  // A member named twice keeps its last revision: OR REPLACE in document order.
  insertBundles: `INSERT OR REPLACE INTO bundles (bundle_id, member_id, member_revision)
    SELECT w.update_id, m.value ->> 'updateId', m.value ->> 'revisionNumber'
    FROM t_facts w CROSS JOIN json_each(w.facts, '$.members') m
    WHERE m.type = 'object' AND json_type(m.value, '$.updateId') = 'text'
      AND json_type(m.value, '$.revisionNumber') = 'integer'`,
  insertSupersedence: `INSERT OR IGNORE INTO supersedence (superseding_id, superseded_id)
    SELECT w.update_id, x.value
    FROM t_facts w CROSS JOIN json_each(w.facts, '$.superseded') x
    WHERE x.type = 'text'`,
  directWritten: 'INSERT OR IGNORE INTO t_direct (update_id) SELECT update_id FROM t_written',
  directReferencing: `INSERT OR IGNORE INTO t_direct (update_id)
    SELECT p.update_id FROM t_cat_changed c CROSS JOIN update_prereqs p ON p.ref_id = c.update_id`,
  directDelete: 'DELETE FROM update_categories WHERE update_id IN (SELECT update_id FROM t_direct)',
  directInsert: `INSERT INTO update_categories (update_id, category_id, kind, via_clause)
    SELECT p.update_id, p.ref_id, c.category_kind, p.via_clause
    FROM t_direct d
    CROSS JOIN update_prereqs p ON p.update_id = d.update_id
    CROSS JOIN updates c ON c.update_id = p.ref_id
    WHERE c.category_kind IS NOT NULL`,
  // Writing an update leaves its own flag as it was, since it depends on the edges of the updates
  // that supersede it; only a new row (flag 0) named by an edge already stored needs it set.
  supWritten: `INSERT OR IGNORE INTO t_sup_dirty (update_id)
    SELECT w.update_id FROM t_written w
    WHERE EXISTS (SELECT 1 FROM supersedence s WHERE s.superseded_id = w.update_id)`,
  supTargets: `INSERT OR IGNORE INTO t_sup_dirty (update_id)
    SELECT s.superseded_id FROM t_written w CROSS JOIN supersedence s ON s.superseding_id = w.update_id`,
  // Rows whose flag stays as it is are not rewritten (nor their entry in the browse index).
  supFlags: `UPDATE updates SET is_superseded = NOT is_superseded
    WHERE update_id IN (SELECT update_id FROM t_sup_dirty)
      AND is_superseded <> EXISTS (SELECT 1 FROM supersedence s WHERE s.superseded_id = updates.update_id)`,
  scopeSeed: 'INSERT OR IGNORE INTO t_scope_dirty (update_id) SELECT update_id FROM t_direct',
  scopeClosure: `INSERT OR IGNORE INTO t_scope_dirty (update_id)
    SELECT b.member_id FROM t_scope_dirty d CROSS JOIN bundles b ON b.bundle_id = d.update_id`,
  scopeSnapshot: `INSERT INTO t_old_scope (update_id, category_id)
    SELECT s.update_id, s.category_id FROM t_scope_dirty d CROSS JOIN update_scope s ON s.update_id = d.update_id`,
  scopeDelete: 'DELETE FROM update_scope WHERE update_id IN (SELECT update_id FROM t_scope_dirty)',
  scopeDirect: `INSERT INTO update_scope (update_id, category_id, kind, inherited)
    SELECT uc.update_id, uc.category_id, uc.kind, 0
    FROM t_scope_dirty d CROSS JOIN update_categories uc ON uc.update_id = d.update_id
    WHERE uc.kind IN ('product', 'classification')`,
  // An update without a product (or classification) of its own takes those of every bundle that
  // contains it. Run until nothing is added: each pass reaches one more level of nesting.
  scopeInherit: `INSERT OR IGNORE INTO update_scope (update_id, category_id, kind, inherited)
    SELECT b.member_id, s.category_id, s.kind, 1
    FROM t_scope_dirty d
    CROSS JOIN updates m ON m.update_id = d.update_id
    CROSS JOIN bundles b ON b.member_id = d.update_id
    CROSS JOIN update_scope s ON s.update_id = b.bundle_id
    WHERE NOT EXISTS (SELECT 1 FROM update_categories uc WHERE uc.update_id = b.member_id AND uc.kind = s.kind)`,
  // Software/driver updates whose scope changed without a new revision of their own: they get a
  // new change sequence so a downstream holding an older anchor learns they now match its filter.
  scopeChanged: `SELECT d.update_id AS id, u.latest_revision AS rev
    FROM t_scope_dirty d CROSS JOIN updates u ON u.update_id = d.update_id
    WHERE u.is_software = 1
      AND NOT EXISTS (SELECT 1 FROM t_written w WHERE w.update_id = d.update_id)
      AND (EXISTS (SELECT 1 FROM t_old_scope o WHERE o.update_id = d.update_id
             AND NOT EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = o.update_id AND s.category_id = o.category_id))
        OR EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = d.update_id
             AND NOT EXISTS (SELECT 1 FROM t_old_scope o WHERE o.update_id = s.update_id AND o.category_id = s.category_id)))`,
  bumpSeq: 'UPDATE revisions SET change_seq = ? WHERE update_id = ? AND revision_number = ?',
  readSeq: 'SELECT seq FROM change_counter WHERE id = 1',
  writeSeq: 'UPDATE change_counter SET seq = ? WHERE id = 1',
  publishSeq: 'UPDATE change_counter SET seq = ?, published = ? WHERE id = 1',
  hasPending: 'SELECT EXISTS (SELECT 1 FROM derived_pending) AS pending',
  clearPending: 'DELETE FROM derived_pending',
  supFacets: `UPDATE update_facets SET is_superseded = NOT is_superseded
    WHERE update_id IN (SELECT update_id FROM t_sup_dirty)
      AND is_superseded <> (SELECT u.is_superseded FROM updates u WHERE u.update_id = update_facets.update_id)`,
  facetDelete: 'DELETE FROM update_facets WHERE update_id IN (SELECT update_id FROM t_scope_dirty)',
  // Products x classifications of each dirty software update, then each side alone with '' (any).
  facetPairs: `INSERT INTO update_facets (product_id, classification_id, date_revised, update_id, is_superseded, is_expired, is_deployed)
    SELECT p.category_id, c.category_id, u.date_revised, u.update_id, u.is_superseded, u.is_expired, u.is_deployed
    FROM t_scope_dirty d
    CROSS JOIN updates u ON u.update_id = d.update_id
    CROSS JOIN update_scope p ON p.update_id = d.update_id
    CROSS JOIN update_scope c ON c.update_id = d.update_id
    WHERE u.is_software = 1 AND p.kind = 'product' AND c.kind = 'classification'`,
  facetSingles: `INSERT INTO update_facets (product_id, classification_id, date_revised, update_id, is_superseded, is_expired, is_deployed)
    SELECT CASE s.kind WHEN 'product' THEN s.category_id ELSE '' END,
      CASE s.kind WHEN 'classification' THEN s.category_id ELSE '' END,
      u.date_revised, u.update_id, u.is_superseded, u.is_expired, u.is_deployed
    FROM t_scope_dirty d
    CROSS JOIN updates u ON u.update_id = d.update_id
    CROSS JOIN update_scope s ON s.update_id = d.update_id
    WHERE u.is_software = 1`,
} as const;

/** The marks a deferred batch leaves in `derived_pending`, by kind number. */
const MARK_TABLES = ['t_written', 't_cat_changed', 't_scope_dirty', 't_sup_dirty'] as const;

const SAVE_MARKS = MARK_TABLES.map(
  (t, i) => `INSERT INTO derived_pending (kind, update_id) SELECT ${i + 1}, update_id FROM ${t};`,
).join('\n');

// Loaded in update id order, so a phase's refresh inserts into the (update_id, ...) keyed tables in
// key order.
const LOAD_MARKS = MARK_TABLES.map(
  (t, i) =>
    `INSERT OR IGNORE INTO ${t} (update_id) SELECT update_id FROM derived_pending WHERE kind = ${i + 1} ORDER BY update_id;`,
).join('\n');

type Prepared = Record<keyof typeof SQL, SqliteStatement>;

/**
 * Set-based maintenance of the derived tables, and the change counter, for one batch of catalog
 * changes: `begin()`, mark what changes (handing out `nextSeq()` to written revisions), then
 * `finish()` or `defer()`. All of it must run inside the caller's write transaction.
 */
export class DerivedRefresher {
  readonly #db: SqliteDb;
  readonly #s: Prepared;
  #seq = 0;

  constructor(db: SqliteDb) {
    this.#db = db;
    db.exec(TEMP_DDL);
    this.#s = prepareAll(db, SQL);
  }

  /** Starts a batch: no marks, the counter as stored. */
  begin(): void {
    this.#db.exec(CLEAR);
    this.#seq = (this.#s.readSeq.get() as { seq: number }).seq;
  }

  /** The next change sequence number. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** The latest revision of `updateId` was (re)written: its own derived rows are new. */
  markWritten(updateId: string): void {
    this.#s.markWritten.run(updateId);
  }

  /** A category appeared, disappeared or changed type: updates naming it need their memberships re-resolved. */
  markCategoryChanged(updateId: string): void {
    this.#s.markCategoryChanged.run(updateId);
  }

  /**
   * Call before an update is removed, so the edges of its bundle and supersedence rows count too.
   * (Written updates need not: `finish()` takes their old edges before rebuilding their rows.)
   */
  markOldEdges(updateId: string): void {
    this.#s.markOldMembers.run(updateId);
    this.#s.markOldTargets.run(updateId);
  }

  /** Saves this batch's marks for a later `finish()`, stores the counter (not the published one). */
  defer(): void {
    this.#db.exec(SAVE_MARKS);
    this.#s.writeSeq.run(this.#seq);
    this.#db.exec(CLEAR);
  }

  /** Refreshes what earlier deferred batches left, if anything, as a batch of its own. */
  finishPending(): void {
    if ((this.#s.hasPending.get() as { pending: number }).pending === 0) return;
    this.begin();
    this.finish();
  }

  /**
   * Recomputes everything marked, by this batch and by deferred ones, publishes the counter and
   * clears the marks.
   */
  finish(): void {
    const s = this.#s;
    this.#db.exec(LOAD_MARKS);
    s.clearPending.run();
    this.#rebuildWritten();
    s.directWritten.run();
    s.directReferencing.run();
    s.directDelete.run();
    s.directInsert.run();
    s.supWritten.run();
    s.supTargets.run();
    s.supFlags.run();
    s.supFacets.run();
    this.#refreshScope();
    s.facetDelete.run();
    s.facetPairs.run();
    s.facetSingles.run();
    s.publishSeq.run(this.#seq, this.#seq);
    this.#db.exec(CLEAR);
  }

  /** Replaces the per-update rows of every written update with those of its latest revision. */
  #rebuildWritten(): void {
    const s = this.#s;
    s.oldMembers.run();
    s.oldTargets.run();
    for (const st of [s.deleteKbs, s.deletePrereqs, s.deleteBundles, s.deleteSupersedence]) st.run();
    // Rounds in update id order, so each table still grows in key order.
    let from = '';
    for (;;) {
      const bound = s.factsBound.get(from, FACTS_CHUNK - 1) as { id: string } | undefined;
      s.loadFacts.run({ from, to: bound?.id ?? null });
      for (const st of [s.insertKbs, s.insertPrereqs, s.insertBundles, s.insertSupersedence]) st.run();
      s.clearFacts.run();
      if (bound === undefined) return;
      from = bound.id;
    }
  }

  #refreshScope(): void {
    const s = this.#s;
    s.scopeSeed.run();
    for (let i = 0; i < MAX_BUNDLE_DEPTH && s.scopeClosure.run().changes > 0; i++);
    s.scopeSnapshot.run();
    s.scopeDelete.run();
    s.scopeDirect.run();
    for (let i = 0; i < MAX_BUNDLE_DEPTH && s.scopeInherit.run().changes > 0; i++);
    for (const row of s.scopeChanged.all() as { id: string; rev: number }[]) {
      s.bumpSeq.run(this.nextSeq(), row.id, row.rev);
    }
  }
}
