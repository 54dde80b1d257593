/**
 * Writes batches of revisions: the revision rows themselves and the `updates` summary row, and
 * marks each update whose latest revision changed, so the refresher rebuilds its per-update rows
 * (KBs, prerequisites, bundle members, supersedence) from the stored facts. Statements are prepared
 * once and reused across batches; the only per-row reads are primary-key lookups.
 */
import type { StoredRevision, UpdateRevision } from '../../catalog/model.ts';
import {
  assertStorable,
  type CategoryKind,
  categoryKindOf,
  revisionRowValues,
  updateSummaryRow,
} from '../catalog-facts.ts';
import type { DerivedRefresher } from './derived-refresh.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

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
    s.upsertRevision.run(...revisionRowValues(stored, this.#derived.nextSeq()));
    if (!isLatest) return;
    this.#derived.markWritten(id);
    const kind = categoryKindOf(rev) ?? null;
    if (kind !== (existing?.category_kind ?? null)) this.#derived.markCategoryChanged(id);
  }

  #upsertUpdate(rev: UpdateRevision, now: string): void {
    this.#s.upsertUpdate.run(updateSummaryRow(rev, now));
  }
}
