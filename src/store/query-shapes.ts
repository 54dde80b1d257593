/**
 * What the store adapters' read queries share, whatever the database: how an update query's
 * filters are read (which index range drives it, what each condition compares), the page bounds,
 * and how result rows become the port's records. Pure code; each adapter renders the SQL itself.
 */
import type { CategoryType, UpdateRevision, UpdateType } from '../catalog/model.ts';
import { normalizeKb } from './catalog-facts.ts';
import type {
  CategorySummary,
  RevisionListQuery,
  SupersedenceEdge,
  UpdateQuery,
  UpdateStateCounts,
  UpdateSummary,
} from './site-store.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 1000;

/** The page an update query asks for: limit 1…MAX_PAGE (default DEFAULT_PAGE), offset ≥ 0. */
export function clampPage(q: UpdateQuery): { offset: number; limit: number } {
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.trunc(q.limit ?? DEFAULT_PAGE)));
  const offset = Math.max(0, Math.trunc(q.offset ?? 0));
  return { offset, limit };
}

/** A flag column that both driving ranges of an update query carry (updates, update_facets). */
export type FlagColumn = 'is_superseded' | 'is_expired' | 'is_deployed';

/**
 * The index range an update query walks, both already in page order (DateRevised descending, then
 * id) except the KB one, which is a handful of rows the adapter sorts:
 * - `kb`: the updates of one KB article (update_kbs), normalised as stored;
 * - `facet`: the update_facets range of a product/classification pair, '' for "any";
 * - `browse`: every software and driver update (the updates_browse index).
 */
export type UpdateRange =
  | { readonly kind: 'kb'; readonly kb: string }
  | { readonly kind: 'facet'; readonly productId: string; readonly classificationId: string }
  | { readonly kind: 'browse' };

/** An update query's filters, as both adapters apply them to their driving range. */
export interface UpdateFilters {
  readonly range: UpdateRange;
  /** Category ids the update's effective scope must hold (the KB range only: facets are memberships). */
  readonly memberOf: readonly string[];
  /** Flags with the value each must have; columns of the driving range. */
  readonly flags: readonly (readonly [FlagColumn, 0 | 1])[];
  /** DateRevised bounds, inclusive; a column of the driving range. */
  readonly revisedFrom?: string;
  readonly revisedTo?: string;
  /** The rest read the updates row itself. A lower-cased title substring (`title_lc`); never empty. */
  readonly titleLc?: string;
  /** MsrcSeverity, compared case-insensitively in ASCII (SQLite's NOCASE). */
  readonly severity?: string;
  /** DatePosted bounds, inclusive. */
  readonly postedFrom?: string;
  readonly postedTo?: string;
}

/** Reads an update query's filters: the range that drives it, then the conditions on top. */
export function updateFilters(q: UpdateQuery): UpdateFilters {
  const range: UpdateRange =
    q.kbArticleId !== undefined
      ? { kind: 'kb', kb: normalizeKb(q.kbArticleId) }
      : q.productId !== undefined || q.classificationId !== undefined
        ? { kind: 'facet', productId: q.productId ?? '', classificationId: q.classificationId ?? '' }
        : { kind: 'browse' };
  const memberOf =
    range.kind === 'kb' ? [q.productId, q.classificationId].filter((id): id is string => id !== undefined) : [];
  const flags: [FlagColumn, 0 | 1][] = [];
  if (q.isSuperseded !== undefined) flags.push(['is_superseded', q.isSuperseded ? 1 : 0]);
  if (q.isExpired !== undefined) flags.push(['is_expired', q.isExpired ? 1 : 0]);
  if (q.isDeployed !== undefined) flags.push(['is_deployed', q.isDeployed ? 1 : 0]);
  return {
    range,
    memberOf,
    flags,
    ...(q.revisedFrom === undefined ? {} : { revisedFrom: q.revisedFrom }),
    ...(q.revisedTo === undefined ? {} : { revisedTo: q.revisedTo }),
    ...(q.text === undefined || q.text === '' ? {} : { titleLc: q.text.toLowerCase() }),
    ...(q.severity === undefined ? {} : { severity: q.severity }),
    ...(q.postedFrom === undefined ? {} : { postedFrom: q.postedFrom }),
    ...(q.postedTo === undefined ? {} : { postedTo: q.postedTo }),
  };
}

/** Whether any filter reads the updates row rather than the driving range. */
export function readsUpdateRow(f: UpdateFilters): boolean {
  return f.titleLc !== undefined || f.severity !== undefined || f.postedFrom !== undefined || f.postedTo !== undefined;
}

/** The `updates` columns of a summary (table alias `u`), as UpdateRow names them. */
export const SUMMARY_COLUMNS = `u.update_id, u.latest_revision, u.update_type, u.title, u.description, u.kb_ids, u.bulletin_ids,
  u.severity, u.date_posted, u.date_revised, u.is_bundle, u.is_superseded, u.is_expired, u.expired_at, u.is_deployed,
  u.is_feature_update, u.publication_state`;

/** An `updates` row as SUMMARY_COLUMNS reads it: flags 0/1, KB and bulletin ids as JSON arrays. */
export interface UpdateRow {
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

/** A summary from its row and its memberships and superseding updates (each in category / id order). */
export function toSummary(
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

/** A category row of `updates`. */
export interface CategoryRow {
  update_id: string;
  latest_revision: number;
  category_type: string | null;
  title: string;
  parent_id: string | null;
}

export function toCategory(r: CategoryRow): CategorySummary {
  return {
    categoryId: r.update_id,
    revisionNumber: r.latest_revision,
    ...(r.category_type === null ? {} : { categoryType: r.category_type as CategoryType }),
    title: r.title,
    ...(r.parent_id === null ? {} : { parentId: r.parent_id }),
  };
}

/** Software and driver updates: all of them, superseded and not expired, expired, deployed. */
export interface StateCountRow {
  total: number;
  superseded: number;
  expired: number;
  deployed: number;
}

export function toStateCounts(r: StateCountRow): UpdateStateCounts {
  return {
    active: r.total - r.superseded - r.expired,
    superseded: r.superseded,
    expired: r.expired,
    deployed: r.deployed,
  };
}

export interface SupersedenceRow {
  supersededId: string;
  supersedingId: string;
  supersedingCreated: string;
  /** is_feature_update of the superseded update, 0/1. */
  feature: number;
}

export function toSupersedenceEdge(r: SupersedenceRow): SupersedenceEdge {
  return {
    supersededId: r.supersededId,
    supersedingId: r.supersedingId,
    supersedingCreated: r.supersedingCreated,
    supersededIsFeature: r.feature === 1,
  };
}

/** The stored facts of a revision (`revisions.parsed`), or undefined when they are missing or not JSON. */
export function parseRevision(parsed: unknown): UpdateRevision | undefined {
  if (typeof parsed !== 'string') return undefined;
  try {
    return JSON.parse(parsed) as UpdateRevision;
  } catch {
    return undefined;
  }
}

/** A listed product or classification id with its Delta flag as 0/1. */
export interface DeltaId {
  readonly id: string;
  readonly delta: 0 | 1;
}

/**
 * Which revision list a downstream server asked for (GetRevisionIdList), `since` being the change
 * sequence it holds (-1: none):
 * - `config`: categories and detectoids changed since;
 * - `all`: every software and driver update changed since (no filter);
 * - `none`: products only, or classifications only, which a real WSUS answers with nothing;
 * - `filtered`: updates in a listed product AND a listed classification, changed since or matched by
 *   an id with Delta=false; `allDelta` when no id has Delta=false and there is an anchor, so only
 *   what changed since can match.
 */
export type DownstreamList =
  | { readonly kind: 'config'; readonly since: number }
  | { readonly kind: 'all'; readonly since: number }
  | { readonly kind: 'none' }
  | {
      readonly kind: 'filtered';
      readonly since: number;
      readonly products: readonly DeltaId[];
      readonly classifications: readonly DeltaId[];
      readonly allDelta: boolean;
    };

export function downstreamList(query: RevisionListQuery): DownstreamList {
  const since = query.sinceSeq ?? -1;
  if (query.config) return { kind: 'config', since };
  const products = query.products ?? [];
  const classifications = query.classifications ?? [];
  if (products.length === 0 && classifications.length === 0) return { kind: 'all', since };
  if (products.length === 0 || classifications.length === 0) return { kind: 'none' };
  const flags = (list: readonly { id: string; delta: boolean }[]): DeltaId[] =>
    list.map((x) => ({ id: x.id, delta: x.delta ? 1 : 0 }));
  const allDelta = query.sinceSeq !== undefined && [...products, ...classifications].every((x) => x.delta);
  return { kind: 'filtered', since, products: flags(products), classifications: flags(classifications), allDelta };
}
