/**
 * Writes batches of revisions: the revision rows themselves and the `updates` summary row, and
 * marks each update whose latest revision changed, so the refresher rebuilds its per-update rows
 * (KBs, prerequisites, bundle members, supersedence) from the stored facts. Statements are prepared
 * once and reused across batches; the only per-row reads are primary-key lookups.
 */
import type { CategoryType, LocalizedProperties, StoredRevision, UpdateRevision } from '../../catalog/model.ts';
import { contentHash, isGuid, revisionKey } from '../../catalog/model.ts';
import { SupsyncError } from '../../shared/errors.ts';
import type { DerivedRefresher } from './derived-refresh.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

export type CategoryKind = 'product' | 'classification' | 'company' | 'family' | 'other';

const KIND_BY_TYPE: Readonly<Record<CategoryType, CategoryKind>> = {
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
function summaryText(rev: UpdateRevision): LocalizedProperties | undefined {
  const by = (lang: string | undefined) => rev.localized.find((l) => l.language === lang);
  return by('en') ?? by(rev.defaultLanguage) ?? rev.localized[0];
}

const SQL = {
  selectUpdate: 'SELECT latest_revision, date_posted, category_kind FROM updates WHERE update_id = ?',
  // An update stays expired once expired: a later revision never lifts a site or upstream expiry,
  // and the first expiry keeps its time and reason. date_posted keeps the earliest CreationDate.
  upsertUpdate: `INSERT INTO updates (update_id, latest_revision, update_type, is_software, category_type, category_kind,
      parent_id, title, title_lc, description, kb_ids, bulletin_ids, severity, date_posted, date_revised,
      publication_state, is_bundle, is_feature_update, is_expired, expired_at, expire_reason)
    VALUES (@id, @rev, @type, @software, @categoryType, @kind, @parent, @title, @titleLc, @description, @kb, @bulletins,
      @severity, @posted, @revised, @state, @bundle, @feature, @expired, @expiredAt, @expireReason)
    ON CONFLICT (update_id) DO UPDATE SET
      latest_revision = excluded.latest_revision, update_type = excluded.update_type, is_software = excluded.is_software,
      category_type = excluded.category_type, category_kind = excluded.category_kind, parent_id = excluded.parent_id,
      title = excluded.title, title_lc = excluded.title_lc, description = excluded.description,
      kb_ids = excluded.kb_ids, bulletin_ids = excluded.bulletin_ids, severity = excluded.severity,
      date_posted = min(date_posted, excluded.date_posted), date_revised = excluded.date_revised,
      publication_state = excluded.publication_state, is_bundle = excluded.is_bundle,
      is_feature_update = excluded.is_feature_update,
      expired_at = CASE WHEN is_expired = 0 AND excluded.is_expired = 1 THEN excluded.expired_at ELSE expired_at END,
      expire_reason = CASE WHEN is_expired = 0 AND excluded.is_expired = 1 THEN excluded.expire_reason ELSE expire_reason END,
      is_expired = max(is_expired, excluded.is_expired)`,
  olderRevision: 'UPDATE updates SET date_posted = min(date_posted, ?) WHERE update_id = ?',
  upsertRevision: `INSERT INTO revisions (update_id, revision_number, update_type, category_type, xml, content_hash, parsed,
      creation_date, publication_state, change_seq)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (update_id, revision_number) DO UPDATE SET
      update_type = excluded.update_type, category_type = excluded.category_type, xml = excluded.xml,
      content_hash = excluded.content_hash, parsed = excluded.parsed, creation_date = excluded.creation_date,
      publication_state = excluded.publication_state, change_seq = excluded.change_seq`,
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;

interface ExistingUpdate {
  readonly latest_revision: number;
  readonly date_posted: string;
  readonly category_kind: CategoryKind | null;
}

function assertStorable(stored: StoredRevision): void {
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

/** Writes revision batches; `write` must run inside a write transaction. */
export class RevisionWriter {
  readonly #s: Prepared;
  readonly #derived: DerivedRefresher;
  readonly #now: () => string;

  constructor(db: SqliteDb, derived: DerivedRefresher, now: () => string) {
    this.#s = prepareAll(db, SQL);
    this.#derived = derived;
    this.#now = now;
  }

  /**
   * Upserts every revision, then refreshes the derived tables once for the whole batch (and for any
   * deferred batches before it), or with `defer` leaves that to a later batch.
   */
  write(revisions: readonly StoredRevision[], defer: boolean): void {
    this.#derived.begin();
    const now = this.#now();
    for (const stored of revisions) this.#writeOne(stored, now);
    if (defer) this.#derived.defer();
    else this.#derived.finish();
  }

  #writeOne(stored: StoredRevision, now: string): void {
    assertStorable(stored);
    const rev = stored.revision;
    const { updateId: id, revisionNumber: rn } = rev.identity;
    const s = this.#s;
    const existing = s.selectUpdate.get(id) as ExistingUpdate | undefined;
    const isLatest = existing === undefined || rn >= existing.latest_revision;
    if (isLatest) this.#upsertUpdate(rev, now);
    else s.olderRevision.run(rev.creationDate, id);
    s.upsertRevision.run(
      id,
      rn,
      rev.updateType,
      rev.categoryType ?? null,
      stored.xml,
      contentHash(stored.xml),
      JSON.stringify(rev),
      rev.creationDate,
      rev.publicationState,
      this.#derived.nextSeq(),
    );
    if (!isLatest) return;
    this.#derived.markWritten(id);
    const kind = categoryKindOf(rev) ?? null;
    if (kind !== (existing?.category_kind ?? null)) this.#derived.markCategoryChanged(id);
  }

  #upsertUpdate(rev: UpdateRevision, now: string): void {
    const text = summaryText(rev);
    const title = text?.title ?? '';
    const expiredUpstream = rev.publicationState === 'Expired';
    const parentClause = rev.updateType === 'Category' ? rev.prerequisites.find((c) => c.isCategory) : undefined;
    this.#s.upsertUpdate.run({
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
    });
  }
}
