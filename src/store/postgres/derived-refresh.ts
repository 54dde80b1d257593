/**
 * Keeps the derived membership tables right after a batch of writes or removals, set-based: the
 * PostgreSQL translation of ../sqlite/derived-refresh.ts, which says what is recomputed and why
 * (per-update rows of written updates from their stored facts, direct memberships, superseded
 * flags, effective scope with bundle inheritance to a fixed point, paging facets; deferred batches
 * through `derived_pending`; `published` moves only in `finish`).
 *
 * A batch's written and category marks are kept here until it ends, then go in one statement:
 * straight to `derived_pending` when it is deferred, so a deferred batch never touches a temp table,
 * or into the temp tables of the writing connection's session (`DERIVED_SESSION_DDL`, run once at
 * open: every write runs on that one connection) together with the pending ones when it finishes.
 * The temp tables are ON COMMIT DELETE ROWS: their rows describe one write transaction, and the
 * server empties them at its commit (a batch that fails leaves none either: its rows roll back).
 * That costs less than a TRUNCATE per batch, and a DELETE's dead rows would pile up, since
 * autovacuum never visits temp tables.
 */
import { MAX_BUNDLE_DEPTH } from '../catalog-facts.ts';
import type { PgTx } from './pg-driver.ts';

const MARK_TABLES = ['t_written', 't_cat_changed', 't_scope_dirty', 't_sup_dirty'] as const;
const TEMP_TABLES = [...MARK_TABLES, 't_direct'] as const;

/**
 * The session's working tables; `IF NOT EXISTS`, so running it again on the same session is
 * harmless. COLLATE "C", as every id column of the schema, so they order and join alike.
 *
 * Every refresh statement starts from a temp table and should reach the big tables by index when
 * it holds a few hundred ids, by scan when it holds the whole catalog. The planner judges that from
 * the table's size, but takes a never-analyzed table to be at least ten pages (~1,500 ids), and
 * then scanned update_kbs, update_scope, update_facets … for a batch of 100: 380 ms per batch at
 * 100,000 updates. Analyzed once, empty, it goes by the pages the table really has: 120 ms. (ON
 * COMMIT DELETE ROWS empties a table in place and keeps that.)
 */
export const DERIVED_SESSION_DDL = [
  ...TEMP_TABLES.map(
    (t) => `CREATE TEMP TABLE IF NOT EXISTS ${t} (update_id TEXT COLLATE "C" PRIMARY KEY) ON COMMIT DELETE ROWS;`,
  ),
  `CREATE TEMP TABLE IF NOT EXISTS t_old_scope (update_id TEXT COLLATE "C", category_id TEXT COLLATE "C",
    PRIMARY KEY (update_id, category_id)) ON COMMIT DELETE ROWS;`,
  `ANALYZE ${[...TEMP_TABLES, 't_old_scope'].join(', ')};`,
].join('\n');

/** A jsonb value's elements when it is an array, else none (`jsonb_array_elements` of NULL is empty). */
const listOf = (value: string) => `CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} END`;

/** The text of a jsonb string, COLLATE "C" like the columns it goes to. */
const textOf = (value: string) => `(${value} #>> '{}') COLLATE "C"`;

/**
 * A jsonb value as an INTEGER when it is an integral number in range, else NULL (SQLite's
 * `json_type(...) = 'integer'`). Nested CASEs, so no cast is ever tried on what is not a number.
 */
const integerOf = (value: string) => `CASE WHEN jsonb_typeof(${value}) = 'number' THEN
    CASE WHEN (${value} #>> '{}') ~ '^-?[0-9]{1,18}$' THEN
      CASE WHEN (${value} #>> '{}')::bigint BETWEEN -2147483648 AND 2147483647 THEN (${value} #>> '{}')::int END
    END
  END`;

/** As `normalizeKb` (../catalog-facts.ts) and SQLite's `normalizedKb`: ASCII white space, an ASCII `kb`. */
function normalizedKb(value: string): string {
  const trimmed = `btrim(${value}, E' \\t\\n\\r')`;
  return `CASE WHEN substr(${trimmed}, 1, 2) IN ('kb', 'kB', 'Kb', 'KB') THEN substr(${trimmed}, 3) ELSE ${trimmed} END`;
}

const SQL = {
  markOldEdges: `WITH m AS (INSERT INTO t_scope_dirty (update_id)
      SELECT member_id FROM bundles WHERE bundle_id = ANY($1::text[]) ON CONFLICT DO NOTHING)
    INSERT INTO t_sup_dirty (update_id)
      SELECT superseded_id FROM supersedence WHERE superseding_id = ANY($1::text[]) ON CONFLICT DO NOTHING`,
  // The written updates' old edges count as changed too (a member that left a bundle, an update no
  // longer superseded), then their old per-update rows go.
  oldEdges: `WITH m AS (INSERT INTO t_scope_dirty (update_id)
      SELECT b.member_id FROM t_written w JOIN bundles b ON b.bundle_id = w.update_id ON CONFLICT DO NOTHING)
    INSERT INTO t_sup_dirty (update_id)
      SELECT s.superseded_id FROM t_written w JOIN supersedence s ON s.superseding_id = w.update_id
      ON CONFLICT DO NOTHING`,
  deleteOwn: `WITH k AS (DELETE FROM update_kbs WHERE update_id IN (SELECT update_id FROM t_written)),
      p AS (DELETE FROM update_prereqs WHERE update_id IN (SELECT update_id FROM t_written)),
      b AS (DELETE FROM bundles WHERE bundle_id IN (SELECT update_id FROM t_written))
    DELETE FROM supersedence WHERE superseding_id IN (SELECT update_id FROM t_written)`,
  // The per-update rows of the written updates' latest revisions, from their stored facts, read and
  // parsed once for all four tables (the materialized CTE), each table's rows inserted in key order
  // (sorting the facts instead sorted the whole parsed documents: 220 MB on disk at 100,000). A
  // document whose facts no longer parse (damaged) is skipped rather than failing the refresh: it
  // keeps no per-update rows until a full sync writes it again. Facts that parse but hold the wrong
  // kinds of values give only the well-formed ones (the jsonb_typeof tests). Where SQLite's json_each
  // would take a relation that is not a list (an object's values, a lone value), this takes none:
  // both are facts `factsWellFormed` calls damaged, which a full sync writes again.
  insertOwn: `WITH f AS MATERIALIZED (
      SELECT w.update_id, ${listOf("j -> 'kbArticleIds'")} AS kbs, ${listOf("j -> 'prerequisites'")} AS prereqs,
        ${listOf("j -> 'bundledUpdates'")} AS members, ${listOf("j -> 'supersededUpdateIds'")} AS superseded
      FROM t_written w
      JOIN updates u ON u.update_id = w.update_id
      JOIN revisions r ON r.update_id = u.update_id AND r.revision_number = u.latest_revision
      CROSS JOIN LATERAL supsync_jsonb(r.parsed) AS j
      WHERE j IS NOT NULL),
    kbs AS (INSERT INTO update_kbs (update_id, kb)
      SELECT f.update_id, ${normalizedKb(textOf('k'))}
      FROM f CROSS JOIN LATERAL jsonb_array_elements(f.kbs) AS k
      WHERE jsonb_typeof(k) = 'string'
      ORDER BY 1, 2
      ON CONFLICT DO NOTHING),
    -- An id named in several clauses is one edge, via a category clause if any names it so.
    prereqs AS (INSERT INTO update_prereqs (update_id, ref_id, via_clause)
      SELECT f.update_id, ${textOf('i')},
        max(CASE WHEN c -> 'isCategory' = 'true'::jsonb THEN 1
          WHEN jsonb_typeof(c -> 'isCategory') = 'number' AND c -> 'isCategory' <> '0'::jsonb THEN 1 ELSE 0 END)
      FROM f
      CROSS JOIN LATERAL jsonb_array_elements(f.prereqs) AS c
      CROSS JOIN LATERAL jsonb_array_elements(${listOf("c -> 'updateIds'")}) AS i
      WHERE jsonb_typeof(i) = 'string'
      GROUP BY 1, 2 ORDER BY 1, 2),
    -- A member named twice keeps its last revision in document order.
    members AS (INSERT INTO bundles (bundle_id, member_id, member_revision)
      SELECT DISTINCT ON (f.update_id, ${textOf("m.v -> 'updateId'")})
        f.update_id, ${textOf("m.v -> 'updateId'")}, n.rev
      FROM f
      CROSS JOIN LATERAL jsonb_array_elements(f.members) WITH ORDINALITY AS m (v, pos)
      CROSS JOIN LATERAL (SELECT ${integerOf("m.v -> 'revisionNumber'")} AS rev) AS n
      WHERE jsonb_typeof(m.v -> 'updateId') = 'string' AND n.rev IS NOT NULL
      ORDER BY f.update_id, ${textOf("m.v -> 'updateId'")}, m.pos DESC)
    INSERT INTO supersedence (superseding_id, superseded_id)
      SELECT f.update_id, ${textOf('x')}
      FROM f CROSS JOIN LATERAL jsonb_array_elements(f.superseded) AS x
      WHERE jsonb_typeof(x) = 'string'
      ORDER BY 1, 2
      ON CONFLICT DO NOTHING`,
  direct: `INSERT INTO t_direct (update_id)
    SELECT update_id FROM t_written
    UNION SELECT p.update_id FROM t_cat_changed c JOIN update_prereqs p ON p.ref_id = c.update_id
    ON CONFLICT DO NOTHING`,
  directDelete: 'DELETE FROM update_categories WHERE update_id IN (SELECT update_id FROM t_direct)',
  directInsert: `INSERT INTO update_categories (update_id, category_id, kind, via_clause)
    SELECT p.update_id, p.ref_id, c.category_kind, p.via_clause
    FROM t_direct d
    JOIN update_prereqs p ON p.update_id = d.update_id
    JOIN updates c ON c.update_id = p.ref_id
    WHERE c.category_kind IS NOT NULL`,
  supDirty: `INSERT INTO t_sup_dirty (update_id)
    SELECT update_id FROM t_written
    UNION SELECT s.superseded_id FROM t_written w JOIN supersedence s ON s.superseding_id = w.update_id
    ON CONFLICT DO NOTHING`,
  // Only rows whose flag changes are written: an unchanged UPDATE still writes a new row version.
  supFlags: `UPDATE updates u SET is_superseded = n.flag
    FROM (SELECT d.update_id,
        CASE WHEN EXISTS (SELECT 1 FROM supersedence s WHERE s.superseded_id = d.update_id) THEN 1 ELSE 0 END AS flag
      FROM t_sup_dirty d) AS n
    WHERE u.update_id = n.update_id AND u.is_superseded <> n.flag`,
  supFacets: `UPDATE update_facets f SET is_superseded = u.is_superseded
    FROM t_sup_dirty d JOIN updates u ON u.update_id = d.update_id
    WHERE f.update_id = d.update_id AND f.is_superseded <> u.is_superseded`,
  scopeSeed: 'INSERT INTO t_scope_dirty (update_id) SELECT update_id FROM t_direct ON CONFLICT DO NOTHING',
  scopeClosure: `INSERT INTO t_scope_dirty (update_id)
    SELECT b.member_id FROM t_scope_dirty d JOIN bundles b ON b.bundle_id = d.update_id
    ON CONFLICT DO NOTHING`,
  scopeSnapshot: `INSERT INTO t_old_scope (update_id, category_id)
    SELECT s.update_id, s.category_id FROM t_scope_dirty d JOIN update_scope s ON s.update_id = d.update_id`,
  scopeDelete: 'DELETE FROM update_scope WHERE update_id IN (SELECT update_id FROM t_scope_dirty)',
  scopeDirect: `INSERT INTO update_scope (update_id, category_id, kind, inherited)
    SELECT uc.update_id, uc.category_id, uc.kind, 0
    FROM t_scope_dirty d JOIN update_categories uc ON uc.update_id = d.update_id
    WHERE uc.kind IN ('product', 'classification')`,
  // An update without a product (or classification) of its own takes those of every bundle that
  // contains it. Run until nothing is added: each pass reaches one more level of nesting.
  scopeInherit: `INSERT INTO update_scope (update_id, category_id, kind, inherited)
    SELECT b.member_id, s.category_id, s.kind, 1
    FROM t_scope_dirty d
    JOIN updates m ON m.update_id = d.update_id
    JOIN bundles b ON b.member_id = d.update_id
    JOIN update_scope s ON s.update_id = b.bundle_id
    WHERE NOT EXISTS (SELECT 1 FROM update_categories uc WHERE uc.update_id = b.member_id AND uc.kind = s.kind)
    ON CONFLICT DO NOTHING`,
  // Software/driver updates whose scope changed without a new revision of their own get a new
  // change sequence ($1 + their rank in update id order, as SQLite hands them out), so a downstream
  // holding an older anchor learns they now match its filter. Returns how many numbers it took.
  scopeBump: `WITH candidates AS MATERIALIZED (
      SELECT d.update_id, u.latest_revision
      FROM t_scope_dirty d JOIN updates u ON u.update_id = d.update_id
      WHERE u.is_software = 1 AND NOT EXISTS (SELECT 1 FROM t_written w WHERE w.update_id = d.update_id)),
    changed AS (
      SELECT c.update_id, c.latest_revision, row_number() OVER (ORDER BY c.update_id) AS n
      FROM candidates c
      WHERE EXISTS (SELECT 1 FROM t_old_scope o WHERE o.update_id = c.update_id
          AND NOT EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = o.update_id AND s.category_id = o.category_id))
        OR EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = c.update_id
          AND NOT EXISTS (SELECT 1 FROM t_old_scope o WHERE o.update_id = s.update_id AND o.category_id = s.category_id))),
    bumped AS (UPDATE revisions r SET change_seq = $1::bigint + c.n
      FROM changed c WHERE r.update_id = c.update_id AND r.revision_number = c.latest_revision)
    SELECT count(*)::int AS n FROM changed`,
  readSeq: 'SELECT seq FROM change_counter WHERE id = 1',
  writeSeq: 'UPDATE change_counter SET seq = $1 WHERE id = 1',
  publishSeq: 'UPDATE change_counter SET seq = $1, published = $1 WHERE id = 1',
  hasPending: 'SELECT EXISTS (SELECT 1 FROM derived_pending) AS pending',
  // The marks a deferred batch leaves, by kind number (1 + index in MARK_TABLES): this batch's
  // ($1 written, $2 category changed), and those it made in the temp tables, if any.
  saveMarks: `INSERT INTO derived_pending (kind, update_id)
    SELECT 1, unnest($1::text[]) UNION ALL SELECT 2, unnest($2::text[])`,
  saveTempMarks: `INSERT INTO derived_pending (kind, update_id)
    ${MARK_TABLES.map((t, i) => `SELECT ${i + 1}, update_id FROM ${t}`).join(' UNION ALL ')}`,
  // This batch's marks and the pending ones into the temp tables, in one statement that also
  // empties derived_pending (its sub-statements all read the rows as they were before it).
  loadMarks: `WITH written AS (INSERT INTO t_written (update_id)
      SELECT unnest($1::text[]) UNION SELECT update_id FROM derived_pending WHERE kind = 1 ON CONFLICT DO NOTHING),
    category AS (INSERT INTO t_cat_changed (update_id)
      SELECT unnest($2::text[]) UNION SELECT update_id FROM derived_pending WHERE kind = 2 ON CONFLICT DO NOTHING),
    scope AS (INSERT INTO t_scope_dirty (update_id)
      SELECT update_id FROM derived_pending WHERE kind = 3 ON CONFLICT DO NOTHING),
    sup AS (INSERT INTO t_sup_dirty (update_id)
      SELECT update_id FROM derived_pending WHERE kind = 4 ON CONFLICT DO NOTHING)
    DELETE FROM derived_pending`,
  facetDelete: 'DELETE FROM update_facets WHERE update_id IN (SELECT update_id FROM t_scope_dirty)',
  // Products x classifications of each dirty software update, then each side alone with '' (any).
  facetInsert: `INSERT INTO update_facets (product_id, classification_id, date_revised, update_id, is_superseded, is_expired, is_deployed)
    SELECT p.category_id, c.category_id, u.date_revised, u.update_id, u.is_superseded, u.is_expired, u.is_deployed
    FROM t_scope_dirty d
    JOIN updates u ON u.update_id = d.update_id
    JOIN update_scope p ON p.update_id = d.update_id
    JOIN update_scope c ON c.update_id = d.update_id
    WHERE u.is_software = 1 AND p.kind = 'product' AND c.kind = 'classification'
    UNION ALL
    SELECT CASE s.kind WHEN 'product' THEN s.category_id ELSE '' END,
      CASE s.kind WHEN 'classification' THEN s.category_id ELSE '' END,
      u.date_revised, u.update_id, u.is_superseded, u.is_expired, u.is_deployed
    FROM t_scope_dirty d
    JOIN updates u ON u.update_id = d.update_id
    JOIN update_scope s ON s.update_id = d.update_id
    WHERE u.is_software = 1`,
} as const;

/**
 * Set-based maintenance of the derived tables, and the change counter, for one batch of catalog
 * changes: `begin()`, mark what changes (handing out `nextSeq()` to written revisions), then
 * `finish()` or `defer()`, all inside the caller's write transaction on the writing connection.
 */
export class PgDerivedRefresher {
  /** Updates whose derived rows `finish()` rebuilt since `resetRefreshed()`, rolled-back batches included. */
  #refreshed = 0;
  #seq = 0;
  #written: string[] = [];
  #categoryChanged: string[] = [];
  /** Whether this batch marked anything in the temp tables itself (`markOldEdges`). */
  #tempMarks = false;

  /**
   * Starts a batch: no marks, the counter as stored. The temp tables are emptied only by the
   * commit, so a second batch in one transaction would refresh the first one's again: the same
   * result, only slower.
   */
  async begin(tx: PgTx): Promise<void> {
    this.#written = [];
    this.#categoryChanged = [];
    this.#tempMarks = false;
    const { rows } = await tx.query<{ seq: number }>(SQL.readSeq);
    this.#seq = rows[0]?.seq ?? 0;
  }

  /** The next change sequence number. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** The latest revisions of these updates were (re)written: their own derived rows are new. */
  markWritten(updateIds: readonly string[]): void {
    // A loop, not push(...ids): spreading a list of 100k+ ids overflows the call stack.
    for (const id of updateIds) this.#written.push(id);
  }

  /** These categories appeared, disappeared or changed type: updates naming them need their memberships re-resolved. */
  markCategoryChanged(updateIds: readonly string[]): void {
    for (const id of updateIds) this.#categoryChanged.push(id);
  }

  /**
   * Call before updates are removed, so the edges of their bundle and supersedence rows count too.
   * (Written updates need not: `finish()` takes their old edges before rebuilding their rows.)
   */
  async markOldEdges(tx: PgTx, updateIds: readonly string[]): Promise<void> {
    if (updateIds.length === 0) return;
    await tx.query(SQL.markOldEdges, [updateIds]);
    this.#tempMarks = true;
  }

  /** Saves this batch's marks for a later `finish()`, stores the counter (not the published one). */
  async defer(tx: PgTx): Promise<void> {
    if (this.#written.length > 0 || this.#categoryChanged.length > 0) {
      await tx.query(SQL.saveMarks, [this.#written, this.#categoryChanged]);
    }
    if (this.#tempMarks) await tx.query(SQL.saveTempMarks);
    await tx.query(SQL.writeSeq, [this.#seq]);
  }

  /** Refreshes what earlier deferred batches left, if anything, as a batch of its own. */
  async finishPending(tx: PgTx): Promise<void> {
    const { rows } = await tx.query<{ pending: boolean }>(SQL.hasPending);
    if (rows[0]?.pending !== true) return;
    await this.begin(tx);
    await this.finish(tx);
  }

  /** How many updates `finish()` has refreshed since the count was last reset (an upper bound). */
  get refreshed(): number {
    return this.#refreshed;
  }

  resetRefreshed(): void {
    this.#refreshed = 0;
  }

  /** Recomputes everything marked, by this batch and by deferred ones, and publishes the counter. */
  async finish(tx: PgTx): Promise<void> {
    const run = (sql: string, params?: readonly unknown[]) => tx.query(sql, params);
    // The pending marks it takes (and deletes) plus this batch's: every update the refresh touches.
    const loaded = await run(SQL.loadMarks, [this.#written, this.#categoryChanged]);
    this.#refreshed += this.#written.length + (loaded.rowCount ?? 0);
    await run(SQL.oldEdges);
    await run(SQL.deleteOwn);
    await run(SQL.insertOwn);
    await run(SQL.direct);
    await run(SQL.directDelete);
    await run(SQL.directInsert);
    await run(SQL.supDirty);
    await run(SQL.supFlags);
    await run(SQL.supFacets);
    await this.#refreshScope(tx);
    await run(SQL.facetDelete);
    await run(SQL.facetInsert);
    await run(SQL.publishSeq, [this.#seq]);
  }

  async #refreshScope(tx: PgTx): Promise<void> {
    await tx.query(SQL.scopeSeed);
    for (let i = 0; i < MAX_BUNDLE_DEPTH && (await tx.query(SQL.scopeClosure)).rowCount > 0; i++);
    await tx.query(SQL.scopeSnapshot);
    await tx.query(SQL.scopeDelete);
    await tx.query(SQL.scopeDirect);
    for (let i = 0; i < MAX_BUNDLE_DEPTH && (await tx.query(SQL.scopeInherit)).rowCount > 0; i++);
    const { rows } = await tx.query<{ n: number }>(SQL.scopeBump, [this.#seq]);
    this.#seq += rows[0]?.n ?? 0;
  }
}
