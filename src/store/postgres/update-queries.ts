/**
 * The patch-admin view of the catalog (SMS_SoftwareUpdate-like): filtered, paged update summaries
 * and the category list. The PostgreSQL translation of ../sqlite/update-queries.ts: filters read
 * precomputed columns in index ranges that are already in page order (update_facets_key,
 * updates_browse), so neither the count nor the page sorts or intersects sets; a page and its
 * memberships are one statement.
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
import type { PgTx } from './pg-driver.ts';

/** A planned query: the driving range, its conditions and its page order. */
interface Plan {
  readonly from: string;
  readonly where: string;
  /** The table alias of the driving range, whose update_id and date_revised give the page order. */
  readonly t: string;
  readonly params: unknown[];
}

/**
 * Plans a query on the range `updateFilters` picks (see query-shapes.ts). The facet range and the
 * browse index are already in page order; flags and the revised date are read from the range
 * itself, the remaining filters probe the row.
 */
function plan(q: UpdateQuery): Plan {
  const f = updateFilters(q);
  const c = new Conditions();
  if (f.range.kind === 'kb') {
    // A KB article names a handful of updates: start from them and sort the few that match.
    c.add((p) => `k.kb = ${p} AND u.is_software = 1`, f.range.kb);
    for (const id of f.memberOf) {
      c.add(
        (p) => `EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = u.update_id AND s.category_id = ${p})`,
        id,
      );
    }
    c.flagsAndDates(f, 'u');
    c.rowFilters(f);
    return {
      from: 'update_kbs k JOIN updates u ON u.update_id = k.update_id',
      where: c.sql(),
      t: 'u',
      params: c.params,
    };
  }
  const byFacet = f.range.kind === 'facet';
  const t = byFacet ? 'f' : 'u';
  if (f.range.kind === 'facet') {
    c.add((p) => `f.product_id = ${p}`, f.range.productId);
    c.add((p) => `f.classification_id = ${p}`, f.range.classificationId);
  } else {
    c.add((p) => `u.is_software = ${p}`, 1);
  }
  c.flagsAndDates(f, t);
  c.rowFilters(f);
  const join = byFacet && readsUpdateRow(f) ? ' JOIN updates u ON u.update_id = f.update_id' : '';
  return { from: byFacet ? `update_facets f${join}` : 'updates u', where: c.sql(), t, params: c.params };
}

/** Accumulates conditions; every one binds a positional parameter, never inlined text. */
class Conditions {
  readonly params: unknown[] = [];
  readonly #parts: string[] = [];

  /** Adds the condition `sql` renders with the placeholder bound to `value`. */
  add(sql: (placeholder: string) => string, value: unknown): void {
    this.params.push(value);
    this.#parts.push(sql(`$${this.params.length}`));
  }

  /** Flags and the revised date, which both driving ranges carry as columns of table `t`. */
  flagsAndDates(f: UpdateFilters, t: string): void {
    for (const [column, value] of f.flags) this.add((p) => `${t}.${column} = ${p}`, value);
    if (f.revisedFrom !== undefined) this.add((p) => `${t}.date_revised >= ${p}`, f.revisedFrom);
    if (f.revisedTo !== undefined) this.add((p) => `${t}.date_revised <= ${p}`, f.revisedTo);
  }

  /**
   * Filters only the updates row has. `lower` under COLLATE "C" folds ASCII only, as SQLite's
   * NOCASE does; the title is lower-cased in JS on both sides, so strpos is a plain substring test.
   */
  rowFilters(f: UpdateFilters): void {
    if (f.titleLc !== undefined) this.add((p) => `strpos(u.title_lc, ${p}::text) > 0`, f.titleLc);
    if (f.severity !== undefined) this.add((p) => `lower(u.severity) = lower(${p}::text COLLATE "C")`, f.severity);
    if (f.postedFrom !== undefined) this.add((p) => `u.date_posted >= ${p}`, f.postedFrom);
    if (f.postedTo !== undefined) this.add((p) => `u.date_posted <= ${p}`, f.postedTo);
  }

  sql(): string {
    return this.#parts.join(' AND ');
  }
}

/** A summary's row with its memberships and superseding updates, each in id order. */
const SUMMARY_SELECT = `${SUMMARY_COLUMNS},
  ARRAY(SELECT s.category_id FROM update_scope s WHERE s.update_id = u.update_id AND s.kind = 'product'
    ORDER BY s.category_id) AS products,
  ARRAY(SELECT s.category_id FROM update_scope s WHERE s.update_id = u.update_id AND s.kind = 'classification'
    ORDER BY s.category_id) AS classifications,
  ARRAY(SELECT x.superseding_id FROM supersedence x WHERE x.superseded_id = u.update_id
    ORDER BY x.superseding_id) AS superseded_by`;

type SummaryRow = UpdateRow & { products: string[]; classifications: string[]; superseded_by: string[] };

const SQL = {
  getUpdate: `SELECT ${SUMMARY_SELECT} FROM updates u WHERE u.update_id = $1 AND u.is_software = 1`,
  stateCounts: `SELECT count(*) AS total, count(*) FILTER (WHERE is_superseded = 1 AND is_expired = 0) AS superseded,
    coalesce(sum(is_expired), 0) AS expired, coalesce(sum(is_deployed), 0) AS deployed FROM updates WHERE is_software = 1`,
  // NULLS FIRST: SQLite sorts NULL before any value, PostgreSQL after.
  categories: `SELECT update_id, latest_revision, category_type, title, parent_id FROM updates
    WHERE update_type = 'Category' ORDER BY category_type NULLS FIRST, title, update_id`,
} as const;

function fromRow(r: SummaryRow): UpdateSummary {
  return toSummary(r, r.products, r.classifications, r.superseded_by);
}

/** Read-only queries for the API, each inside the caller's (read) transaction. */
export class PgUpdateQueries {
  async queryUpdates(tx: PgTx, q: UpdateQuery): Promise<{ total: number; items: UpdateSummary[] }> {
    const p = plan(q);
    const { offset, limit } = clampPage(q);
    const count = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${p.from} WHERE ${p.where}`, p.params);
    const total = (count.rows[0] as { n: number }).n;
    if (total === 0 || offset >= total) return { total, items: [] };
    // The page walks the range in order and stops after `limit` rows; only those rows are read.
    // It keeps the range's order key, so the rows come back in the page's order.
    const n = p.params.length;
    const { rows } = await tx.query<SummaryRow>(
      `SELECT ${SUMMARY_SELECT}
       FROM (SELECT ${p.t}.update_id AS id, ${p.t}.date_revised AS revised FROM ${p.from} WHERE ${p.where}
         ORDER BY ${p.t}.date_revised DESC, ${p.t}.update_id LIMIT $${n + 1} OFFSET $${n + 2}) page
       JOIN updates u ON u.update_id = page.id
       ORDER BY page.revised DESC, page.id`,
      [...p.params, limit, offset],
    );
    return { total, items: rows.map(fromRow) };
  }

  async getUpdate(tx: PgTx, updateId: string): Promise<UpdateSummary | undefined> {
    const row = (await tx.query<SummaryRow>(SQL.getUpdate, [updateId])).rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  /** Updates by state in one scan (the metrics scrape). */
  async countByState(tx: PgTx): Promise<UpdateStateCounts> {
    return toStateCounts((await tx.query<StateCountRow>(SQL.stateCounts)).rows[0] as StateCountRow);
  }

  async listCategories(tx: PgTx): Promise<CategorySummary[]> {
    return (await tx.query<CategoryRow>(SQL.categories)).rows.map(toCategory);
  }
}
