/**
 * The patch-admin view of the catalog (SMS_SoftwareUpdate-like): filtered, paged update summaries
 * and the category list. Filters read precomputed columns in index ranges that are already in page
 * order (update_facets, updates_browse), so neither the count nor the page sorts or intersects sets.
 */
import {
  type CategoryRow,
  clampPage,
  readsUpdateRow,
  type StateCountRow,
  SUMMARY_COLUMNS,
  toCategory,
  toStateCounts,
  toSummary,
  type UpdateFilters,
  type UpdateRow,
  updateFilters,
} from '../query-shapes.ts';
import type { CategorySummary, UpdateQuery, UpdateStateCounts, UpdateSummary } from '../site-store.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

/** A planned query: the driving range, its conditions and its page order. */
interface Plan {
  readonly from: string;
  readonly where: string;
  readonly order: string;
  /** The update id column of the driving range. */
  readonly id: string;
  readonly params: Record<string, string | number>;
}

/**
 * Plans a query on the range `updateFilters` picks (see query-shapes.ts). The facet range and the
 * browse index are already in page order; flags and the revised date are read from the range
 * itself, the remaining filters probe the row.
 */
function plan(q: UpdateQuery): Plan {
  const f = updateFilters(q);
  if (f.range.kind === 'kb') return planByKb(f, f.range.kb);
  const byFacet = f.range.kind === 'facet';
  const t = byFacet ? 'f' : 'u';
  const c = new Conditions();
  if (f.range.kind === 'facet') {
    c.add('f.product_id = @product', 'product', f.range.productId);
    c.add('f.classification_id = @class', 'class', f.range.classificationId);
  } else {
    c.add('u.is_software = @software', 'software', 1);
  }
  c.flagsAndDates(f, t);
  c.rowFilters(f);
  const join = byFacet && readsUpdateRow(f) ? ' CROSS JOIN updates u ON u.update_id = f.update_id' : '';
  return {
    from: byFacet ? `update_facets f${join}` : 'updates u',
    where: c.sql(),
    order: `${t}.date_revised DESC, ${t}.update_id`,
    id: `${t}.update_id`,
    params: c.params,
  };
}

/** A KB article names a handful of updates: start from them and sort the few that match. */
function planByKb(f: UpdateFilters, kb: string): Plan {
  const c = new Conditions();
  c.add('k.kb = @kb AND u.is_software = 1', 'kb', kb);
  f.memberOf.forEach((id, i) => {
    const member = `EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = u.update_id AND s.category_id = @member${i})`;
    c.add(member, `member${i}`, id);
  });
  c.flagsAndDates(f, 'u');
  c.rowFilters(f);
  return {
    from: 'update_kbs k CROSS JOIN updates u ON u.update_id = k.update_id',
    where: c.sql(),
    order: 'u.date_revised DESC, u.update_id',
    id: 'u.update_id',
    params: c.params,
  };
}

/** Accumulates conditions; every one binds a named parameter, never inlined text. */
class Conditions {
  readonly params: Record<string, string | number> = {};
  readonly #parts: string[] = [];

  add(sql: string, name: string, value: string | number): void {
    this.#parts.push(sql);
    this.params[name] = value;
  }

  /** Flags and the revised date, which both driving ranges carry as columns of table `t`. */
  flagsAndDates(f: UpdateFilters, t: string): void {
    for (const [column, value] of f.flags) this.add(`${t}.${column} = @${column}`, column, value);
    if (f.revisedFrom !== undefined) this.add(`${t}.date_revised >= @revisedFrom`, 'revisedFrom', f.revisedFrom);
    if (f.revisedTo !== undefined) this.add(`${t}.date_revised <= @revisedTo`, 'revisedTo', f.revisedTo);
  }

  /** Filters only the updates row has. */
  rowFilters(f: UpdateFilters): void {
    if (f.titleLc !== undefined) this.add('instr(u.title_lc, @text) > 0', 'text', f.titleLc);
    if (f.severity !== undefined) this.add('u.severity = @severity COLLATE NOCASE', 'severity', f.severity);
    if (f.postedFrom !== undefined) this.add('u.date_posted >= @postedFrom', 'postedFrom', f.postedFrom);
    if (f.postedTo !== undefined) this.add('u.date_posted <= @postedTo', 'postedTo', f.postedTo);
  }

  sql(): string {
    return this.#parts.join(' AND ');
  }
}

const SQL = {
  getUpdate: `SELECT ${SUMMARY_COLUMNS} FROM updates u WHERE u.update_id = ? AND u.is_software = 1`,
  // Rows of one page, in the page's order.
  byIds: `SELECT ${SUMMARY_COLUMNS} FROM json_each(?) j CROSS JOIN updates u ON u.update_id = j.value ORDER BY j.key`,
  scopeOf: `SELECT s.update_id AS id, s.category_id AS category, s.kind AS kind FROM json_each(?) j
    CROSS JOIN update_scope s ON s.update_id = j.value ORDER BY s.category_id`,
  supersededBy: `SELECT s.superseded_id AS id, s.superseding_id AS superseding FROM json_each(?) j
    CROSS JOIN supersedence s ON s.superseded_id = j.value ORDER BY s.superseding_id`,
  stateCounts: `SELECT count(*) AS total, coalesce(sum(is_superseded = 1 AND is_expired = 0), 0) AS superseded,
    coalesce(sum(is_expired), 0) AS expired, coalesce(sum(is_deployed), 0) AS deployed FROM updates WHERE is_software = 1`,
  categories: `SELECT update_id, latest_revision, category_type, title, parent_id FROM updates
    WHERE update_type = 'Category' ORDER BY category_type, title, update_id`,
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;

/** Read-only queries for the API; safe on a read-only connection. */
export class UpdateQueries {
  readonly #db: SqliteDb;
  readonly #s: Prepared;
  /** Query texts vary with the filters used; a handful of shapes repeat, so prepared statements are cached by text. */
  readonly #cache = new Map<string, SqliteStatement>();

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  queryUpdates(q: UpdateQuery): { total: number; items: UpdateSummary[] } {
    const p = plan(q);
    const { offset, limit } = clampPage(q);
    const count = this.#prepared(`SELECT count(*) AS n FROM ${p.from} WHERE ${p.where}`);
    const total = (count.get(p.params) as { n: number }).n;
    if (total === 0 || offset >= total) return { total, items: [] };
    // The page walks the range in order and stops after `limit` rows; only those rows are read.
    const ids = this.#prepared(
      `SELECT ${p.id} AS id FROM ${p.from} WHERE ${p.where}
       ORDER BY ${p.order} LIMIT @limit OFFSET @offset`,
    ).all({ ...p.params, limit, offset }) as { id: string }[];
    const rows = this.#s.byIds.all(JSON.stringify(ids.map((r) => r.id))) as UpdateRow[];
    return { total, items: this.#summaries(rows) };
  }

  getUpdate(updateId: string): UpdateSummary | undefined {
    const row = this.#s.getUpdate.get(updateId) as UpdateRow | undefined;
    return row === undefined ? undefined : this.#summaries([row])[0];
  }

  /** Updates by state in one scan (the metrics scrape). */
  countByState(): UpdateStateCounts {
    return toStateCounts(this.#s.stateCounts.get() as StateCountRow);
  }

  listCategories(): CategorySummary[] {
    return (this.#s.categories.all() as CategoryRow[]).map(toCategory);
  }

  #prepared(sql: string): SqliteStatement {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  /** Maps rows to summaries with two set queries for the whole page (no per-row lookups). */
  #summaries(rows: readonly UpdateRow[]): UpdateSummary[] {
    const ids = JSON.stringify(rows.map((r) => r.update_id));
    const products = new Map<string, string[]>();
    const classifications = new Map<string, string[]>();
    for (const s of this.#s.scopeOf.all(ids) as { id: string; category: string; kind: string }[]) {
      const into = s.kind === 'product' ? products : classifications;
      into.set(s.id, [...(into.get(s.id) ?? []), s.category]);
    }
    const supersededBy = new Map<string, string[]>();
    for (const s of this.#s.supersededBy.all(ids) as { id: string; superseding: string }[]) {
      supersededBy.set(s.id, [...(supersededBy.get(s.id) ?? []), s.superseding]);
    }
    return rows.map((r) =>
      toSummary(r, products.get(r.update_id), classifications.get(r.update_id), supersededBy.get(r.update_id)),
    );
  }
}
