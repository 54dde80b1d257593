/**
 * What both store adapters derive alike from a revision, whatever the database: whether it can be
 * stored at all, the values of its update's summary row, what kind of category it is, how KB ids
 * are normalized, and whether stored facts still hold the shapes the derived refresh reads. Pure
 * code; each adapter renders the SQL itself (and must agree with `normalizeKb` there).
 */
import type { CategoryType, LocalizedProperties, StoredRevision, UpdateRevision } from '../catalog/model.ts';
import { contentHash, isGuid, revisionKey } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';

export type CategoryKind = 'product' | 'classification' | 'company' | 'family' | 'other';

export const KIND_BY_TYPE: Readonly<Record<CategoryType, CategoryKind>> = {
  Product: 'product',
  UpdateClassification: 'classification',
  Company: 'company',
  ProductFamily: 'family',
};

/** What a category is, for membership; undefined for anything that is not a category. */
export function categoryKindOf(rev: UpdateRevision): CategoryKind | undefined {
  if (rev.updateType !== 'Category') return undefined;
  return rev.categoryType === undefined ? 'other' : (KIND_BY_TYPE[rev.categoryType] ?? 'other');
}

/**
 * The localized block the summary shows: English, else the default language, else the first. The
 * same preference as `pickTitle`, but the description must come from the same block as the title.
 */
export function summaryText(rev: UpdateRevision): LocalizedProperties | undefined {
  const by = (lang: string | undefined) => rev.localized.find((l) => l.language === lang);
  return by('en') ?? by(rev.defaultLanguage) ?? rev.localized[0];
}

/** The `updates` row a revision gives when it is its update's latest (flags as 0/1). */
export interface UpdateSummaryRow {
  readonly id: string;
  readonly rev: number;
  readonly type: string;
  readonly software: number;
  readonly categoryType: string | null;
  readonly kind: CategoryKind | null;
  readonly parent: string | null;
  readonly title: string;
  readonly titleLc: string;
  readonly description: string | null;
  readonly kb: string;
  readonly bulletins: string;
  readonly severity: string | null;
  readonly posted: string;
  readonly revised: string;
  readonly state: string;
  readonly bundle: number;
  readonly feature: number;
  readonly expired: number;
  readonly expiredAt: string | null;
  readonly expireReason: string | null;
}

/**
 * The summary row of `rev`; `now` stamps an upstream expiry (a revision published as Expired). A
 * category's parent is the first id of its first category clause.
 */
export function updateSummaryRow(rev: UpdateRevision, now: string): UpdateSummaryRow {
  const text = summaryText(rev);
  const title = text?.title ?? '';
  const expiredUpstream = rev.publicationState === 'Expired';
  const parentClause = rev.updateType === 'Category' ? rev.prerequisites.find((c) => c.isCategory) : undefined;
  return {
    id: rev.identity.updateId,
    rev: rev.identity.revisionNumber,
    type: rev.updateType,
    software: rev.updateType === 'Software' || rev.updateType === 'Driver' ? 1 : 0,
    categoryType: rev.categoryType ?? null,
    kind: categoryKindOf(rev) ?? null,
    parent: parentClause?.updateIds[0] ?? null,
    title,
    titleLc: title.toLowerCase(),
    description: text?.description ?? null,
    kb: JSON.stringify(rev.kbArticleIds),
    bulletins: JSON.stringify(rev.securityBulletinIds),
    severity: rev.msrcSeverity ?? null,
    posted: rev.creationDate,
    revised: rev.creationDate,
    state: rev.publicationState,
    bundle: rev.bundledUpdates.length > 0 ? 1 : 0,
    feature: rev.isFeatureUpdate ? 1 : 0,
    expired: expiredUpstream ? 1 : 0,
    expiredAt: expiredUpstream ? now : null,
    expireReason: expiredUpstream ? 'upstream' : null,
  };
}

/**
 * A `revisions` row's values, in the column order both adapters insert them: update_id,
 * revision_number, update_type, category_type, xml, content_hash, parsed, creation_date,
 * publication_state, change_seq.
 */
export function revisionRowValues(stored: StoredRevision, seq: number): unknown[] {
  const rev = stored.revision;
  return [
    rev.identity.updateId,
    rev.identity.revisionNumber,
    rev.updateType,
    rev.categoryType ?? null,
    stored.xml,
    contentHash(stored.xml),
    JSON.stringify(rev),
    rev.creationDate,
    rev.publicationState,
    seq,
  ];
}

/** Throws INPUT_INVALID for a revision without a GUID and integer revision number, or without XML. */
export function assertStorable(stored: StoredRevision): void {
  const id = stored.revision?.identity;
  if (
    id === undefined ||
    typeof id.updateId !== 'string' ||
    !isGuid(id.updateId) ||
    !Number.isInteger(id.revisionNumber)
  ) {
    throw new SupsyncError('INPUT_INVALID', `revision has no valid identity: ${JSON.stringify(id)}`);
  }
  if (typeof stored.xml !== 'string' || stored.xml.length === 0) {
    throw new SupsyncError('INPUT_INVALID', `revision ${revisionKey(id)} has no XML document`);
  }
}

/**
 * KB article ids are kept as bare numbers (`2267602`), whether written as `KB2267602` or not. The
 * stored rows are normalized in SQL (each adapter's `normalizedKb`), a query's KB here; the two must
 * agree. They trim different white space (SQL the ASCII kinds, JS every kind), which the parser
 * has already trimmed from the document's ids.
 */
export function normalizeKb(kb: string): string {
  return kb.trim().replace(/^kb/i, '');
}

const isText = (v: unknown) => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown, each: (x: unknown) => boolean) => Array.isArray(v) && v.every(each);

/**
 * Whether stored facts (the text of `revisions.parsed`) hold every relation the refresh reads, in
 * the shape it takes them (the type tests of the adapters' refresh statements): a full sync's
 * verify downloads again a revision whose facts the refresh would take only in part. Checked here
 * rather than in SQL, where each test parses the JSON again: verifying 20,000 revisions on SQLite
 * took 0.58 s so, 0.72 s in SQL, and 0.43 s when only the JSON's validity was checked.
 */
export function factsWellFormed(parsed: unknown): boolean {
  if (typeof parsed !== 'string') return false;
  let f: unknown;
  try {
    f = JSON.parse(parsed);
  } catch {
    return false;
  }
  return (
    isObject(f) &&
    arrayOf(f.kbArticleIds, isText) &&
    arrayOf(f.supersededUpdateIds, isText) &&
    arrayOf(f.prerequisites, (c) => isObject(c) && arrayOf(c.updateIds, isText)) &&
    arrayOf(f.bundledUpdates, (m) => isObject(m) && isText(m.updateId) && Number.isInteger(m.revisionNumber))
  );
}

/** Nesting of bundles seen in the wild is 2–3 levels; the bound only guards against cycles in bad data. */
export const MAX_BUNDLE_DEPTH = 16;
