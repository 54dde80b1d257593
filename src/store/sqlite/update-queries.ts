/**
 * The patch-admin view of the catalog (SMS_SoftwareUpdate-like): filtered, paged update summaries
 * and the category list. Filters read precomputed columns in index ranges that are already in page
 * order (update_facets, updates_browse), so neither the count nor the page sorts or intersects sets.
 */
import type { CategoryType, UpdateType } from '../../catalog/model.ts';
import type { CategorySummary, UpdateQuery, UpdateStateCounts, UpdateSummary } from '../site-store.ts';
import { normalizeKb } from './derived-refresh.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 1000;

interface UpdateRow {
  update_id: string;
  latest_revision: number;
  update_type: UpdateType;
  title: string;
  description: string | null;
  kb_ids: string;
  bulletin_ids: string;
  severity: string | null;
  date_posted: string;
  date_revised: string;
  is_bundle: number;
  is_superseded: number;
  is_expired: number;
  expired_at: string | null;
  is_deployed: number;
  is_feature_update: number;
  publication_state: string;
}

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
 * Plans a query on one of two index ranges, both already in page order: the facet range of the
 * product/classification pair when either is filtered, else the browse index of `updates`. Flags
 * and the revised date are read from the range itself; the remaining filters probe the row.
 */
function plan(q: UpdateQuery): Plan {
  if (q.kbArticleId !== undefined) return planByKb(q, q.kbArticleId);
  const byFacet = q.productId !== undefined || q.classificationId !== undefined;
  const t = byFacet ? 'f' : 'u';
  const c = new Conditions();
  if (byFacet) {
    c.add('f.product_id = @product', 'product', q.productId ?? '');
    c.add('f.classification_id = @class', 'class', q.classificationId ?? '');
  } else {
    c.add('u.is_software = @software', 'software', 1);
  }
  c.flagsAndDates(q, t);
  c.rowFilters(q);
  const join = byFacet && c.rowsNeeded ? ' CROSS JOIN updates u ON u.update_id = f.update_id' : '';
  return {
    from: byFacet ? `update_facets f${join}` : 'updates u',
    where: c.sql(),
    order: `${t}.date_revised DESC, ${t}.update_id`,
    id: `${t}.update_id`,
    params: c.params,
  };
}

/** A KB article names a handful of updates: start from them and sort the few that match. */
function planByKb(q: UpdateQuery, kb: string): Plan {
  const c = new Conditions();
  c.add('k.kb = @kb AND u.is_software = 1', 'kb', normalizeKb(kb));
  const member = (param: string) =>
    `EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = u.update_id AND s.category_id = @${param})`;
  if (q.productId !== undefined) c.add(member('product'), 'product', q.productId);
  if (q.classificationId !== undefined) c.add(member('class'), 'class', q.classificationId);
  c.flagsAndDates(q, 'u');
  c.rowFilters(q);
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
  /** A condition reads the updates row itself (not only the driving range). */
  rowsNeeded = false;

  add(sql: string, name: string, value: string | number, onRow = false): void {
    this.#parts.push(sql);
    this.params[name] = value;
    this.rowsNeeded ||= onRow;
  }

  /** Flags and the revised date, which both driving ranges carry as columns of table `t`. */
  flagsAndDates(q: UpdateQuery, t: string): void {
    if (q.isSuperseded !== undefined)
      this.add(`${t}.is_superseded = @superseded`, 'superseded', q.isSuperseded ? 1 : 0);
    if (q.isExpired !== undefined) this.add(`${t}.is_expired = @expired`, 'expired', q.isExpired ? 1 : 0);
    if (q.isDeployed !== undefined) this.add(`${t}.is_deployed = @deployed`, 'deployed', q.isDeployed ? 1 : 0);
    if (q.revisedFrom !== undefined) this.add(`${t}.date_revised >= @revisedFrom`, 'revisedFrom', q.revisedFrom);
    if (q.revisedTo !== undefined) this.add(`${t}.date_revised <= @revisedTo`, 'revisedTo', q.revisedTo);
  }

  /** Filters only the updates row has. */
  rowFilters(q: UpdateQuery): void {
    if (q.text !== undefined && q.text !== '')
      this.add('instr(u.title_lc, @text) > 0', 'text', q.text.toLowerCase(), true);
    if (q.severity !== undefined) this.add('u.severity = @severity COLLATE NOCASE', 'severity', q.severity, true);
    if (q.postedFrom !== undefined) this.add('u.date_posted >= @postedFrom', 'postedFrom', q.postedFrom, true);
    if (q.postedTo !== undefined) this.add('u.date_posted <= @postedTo', 'postedTo', q.postedTo, true);
  }

  sql(): string {
    return this.#parts.join(' AND ');
  }
}

function clampPage(q: UpdateQuery): { offset: number; limit: number } {
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.trunc(q.limit ?? DEFAULT_PAGE)));
  const offset = Math.max(0, Math.trunc(q.offset ?? 0));
  return { offset, limit };
}

const SUMMARY_COLUMNS = `u.update_id, u.latest_revision, u.update_type, u.title, u.description, u.kb_ids, u.bulletin_ids,
  u.severity, u.date_posted, u.date_revised, u.is_bundle, u.is_superseded, u.is_expired, u.expired_at, u.is_deployed,
  u.is_feature_update, u.publication_state`;

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
    const r = this.#s.stateCounts.get() as { total: number; superseded: number; expired: number; deployed: number };
    return {
      active: r.total - r.superseded - r.expired,
      superseded: r.superseded,
      expired: r.expired,
      deployed: r.deployed,
    };
  }

  listCategories(): CategorySummary[] {
    type Row = {
      update_id: string;
      latest_revision: number;
      category_type: string | null;
      title: string;
      parent_id: string | null;
    };
    return (this.#s.categories.all() as Row[]).map((r) => ({
      categoryId: r.update_id,
      revisionNumber: r.latest_revision,
      ...(r.category_type === null ? {} : { categoryType: r.category_type as CategoryType }),
      title: r.title,
      ...(r.parent_id === null ? {} : { parentId: r.parent_id }),
    }));
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

function toSummary(
  r: UpdateRow,
  products?: string[],
  classifications?: string[],
  supersededBy?: string[],
): UpdateSummary {
  return {
    updateId: r.update_id,
    revisionNumber: r.latest_revision,
    updateType: r.update_type,
    title: r.title,
    ...(r.description === null ? {} : { description: r.description }),
    kbArticleIds: JSON.parse(r.kb_ids) as string[],
    bulletinIds: JSON.parse(r.bulletin_ids) as string[],
    ...(r.severity === null ? {} : { msrcSeverity: r.severity }),
    productIds: products ?? [],
    classificationIds: classifications ?? [],
    datePosted: r.date_posted,
    dateRevised: r.date_revised,
    isBundle: r.is_bundle === 1,
    isSuperseded: r.is_superseded === 1,
    supersededBy: supersededBy ?? [],
    isExpired: r.is_expired === 1,
    ...(r.expired_at === null ? {} : { expiredAt: r.expired_at }),
    isDeployed: r.is_deployed === 1,
    isFeatureUpdate: r.is_feature_update === 1,
    publicationState: r.publication_state,
  };
}
