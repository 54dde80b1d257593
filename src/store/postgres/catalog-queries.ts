/**
 * Reads of the revision store: integrity checks, the original documents, latest identities, and the
 * revision lists served to downstream servers (GetRevisionIdList semantics). The PostgreSQL
 * translation of ../sqlite/catalog-queries.ts: id lists go as one array parameter each (unnest,
 * ANY), so a list costs one statement however long it is.
 */
import type { StoredRevision, UpdateIdentity } from '../../catalog/model.ts';
import { revisionKey } from '../../catalog/model.ts';
import { factsWellFormed } from '../catalog-facts.ts';
import {
  type DeltaId,
  downstreamList,
  parseRevision,
  type SupersedenceRow,
  toSupersedenceEdge,
} from '../query-shapes.ts';
import type {
  RevisionCheck,
  RevisionDocument,
  RevisionListQuery,
  SupersedenceEdge,
  UpdateScope,
} from '../site-store.ts';
import type { PgTx } from './pg-driver.ts';

/**
 * Revisions per verifying statement: the facts of each come back to be checked, so a full sync's
 * verify of the whole catalog holds a few MB at a time rather than all of it.
 */
const VERIFY_CHUNK = 2000;

// The asked identities as ($1 ids, $2 revision numbers), numbered in the order asked.
const BY_IDENTITY = `FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS j (id, rev, n)
  JOIN revisions r ON r.update_id = j.id AND r.revision_number = j.rev`;

const SQL = {
  checkQuick: `SELECT r.update_id AS id, r.revision_number AS rev, (r.xml IS NULL OR r.parsed IS NULL) AS bad ${BY_IDENTITY}`,
  // The document's hash is taken here (the same sha256 of its UTF-8 as contentHash), so the
  // documents themselves never cross the wire; the facts do, for factsWellFormed.
  checkVerify: `SELECT r.update_id AS id, r.revision_number AS rev, r.parsed AS parsed,
      (r.xml IS NOT NULL AND r.xml <> '' AND encode(sha256(convert_to(r.xml, 'UTF8')), 'hex') = r.content_hash) AS "xmlOk"
    ${BY_IDENTITY}`,
  getRevisions: `SELECT r.xml AS xml, r.parsed AS parsed ${BY_IDENTITY} ORDER BY j.n`,
  // Hashed here as in checkVerify: only documents that still match are sent.
  getDocuments: `SELECT r.update_id AS "updateId", r.revision_number AS "revisionNumber", r.xml AS xml,
      r.content_hash AS sha256 ${BY_IDENTITY}
    WHERE r.xml <> '' AND encode(sha256(convert_to(r.xml, 'UTF8')), 'hex') = r.content_hash
    ORDER BY j.n`,
  latest: `SELECT u.update_id AS "updateId", u.latest_revision AS "revisionNumber" FROM updates u
    WHERE u.is_software = 1 ORDER BY u.update_id`,
  currentSeq: 'SELECT published AS seq FROM change_counter WHERE id = 1',
  prerequisiteIds: `SELECT DISTINCT p.ref_id AS id FROM update_prereqs p
    WHERE p.update_id = ANY($1::text[]) AND p.via_clause = 0`,
  storedIds: 'SELECT u.update_id AS id FROM updates u WHERE u.update_id = ANY($1::text[])',
  // One row per update, its memberships aggregated in category order, walking update_scope's key.
  scopes: `SELECT s.update_id AS "updateId",
      coalesce(array_agg(s.category_id ORDER BY s.category_id) FILTER (WHERE s.kind = 'product'), '{}') AS products,
      coalesce(array_agg(s.category_id ORDER BY s.category_id) FILTER (WHERE s.kind = 'classification'), '{}')
        AS classifications
    FROM update_scope s JOIN updates u ON u.update_id = s.update_id
    WHERE u.is_software = 1
    GROUP BY s.update_id ORDER BY s.update_id`,
  bundleMembers: `SELECT DISTINCT b.member_id AS "updateId", b.member_revision AS "revisionNumber"
    FROM bundles b WHERE b.bundle_id = ANY($1::text[])`,
  // A superseding update Microsoft has withdrawn (upstream Expired) no longer supersedes anything:
  // expiring what it replaced would leave admins with neither. One the site expired itself (for
  // instance, superseded in turn) still counts, so chains expire in order. The partial index
  // updates_superseded_live holds the superseded updates not expired yet.
  expiredIds: 'SELECT update_id AS id FROM updates WHERE is_expired = 1 ORDER BY update_id',
  supersedenceEdges: `SELECT s.superseded_id AS "supersededId", s.superseding_id AS "supersedingId",
      sg.date_revised AS "supersedingCreated", d.is_feature_update AS feature
    FROM updates d
    JOIN supersedence s ON s.superseded_id = d.update_id
    JOIN updates sg ON sg.update_id = s.superseding_id
    WHERE d.is_superseded = 1 AND d.is_expired = 0 AND sg.publication_state <> 'Expired'
    ORDER BY s.superseded_id, s.superseding_id`,
  // Revisions by change sequence (its unique index): a delta with nothing new reads nothing.
  config: `SELECT u.update_id AS "updateId", u.latest_revision AS "revisionNumber"
    FROM revisions r JOIN updates u ON u.update_id = r.update_id AND u.latest_revision = r.revision_number
    WHERE r.change_seq > $1 AND u.update_type IN ('Category', 'Detectoid')
    ORDER BY r.change_seq`,
  allSoftware: `SELECT u.update_id AS "updateId", u.latest_revision AS "revisionNumber"
    FROM revisions r JOIN updates u ON u.update_id = r.update_id AND u.latest_revision = r.revision_number
    WHERE r.change_seq > $1 AND u.is_software = 1
    ORDER BY r.change_seq`,
  // An update matches when its effective scope holds a listed product AND a listed classification.
  // Delta=false on either matching id serves it whatever its change sequence (a backfilled id).
  filtered: `WITH fp (id, delta) AS (SELECT * FROM unnest($1::text[], $2::int[])),
      fc (id, delta) AS (SELECT * FROM unnest($3::text[], $4::int[])),
      mp (update_id, delta) AS (SELECT s.update_id, min(fp.delta) FROM fp JOIN update_scope s ON s.category_id = fp.id
        WHERE s.kind = 'product' GROUP BY s.update_id),
      mc (update_id, delta) AS (SELECT s.update_id, min(fc.delta) FROM fc JOIN update_scope s ON s.category_id = fc.id
        WHERE s.kind = 'classification' GROUP BY s.update_id)
    SELECT u.update_id AS "updateId", u.latest_revision AS "revisionNumber"
    FROM mp JOIN mc ON mc.update_id = mp.update_id
    JOIN updates u ON u.update_id = mp.update_id
    JOIN revisions r ON r.update_id = u.update_id AND r.revision_number = u.latest_revision
    WHERE u.is_software = 1 AND (r.change_seq > $5 OR mp.delta = 0 OR mc.delta = 0)
    ORDER BY r.change_seq`,
  // All ids Delta=true: only what changed since the anchor can match, so start from the change
  // sequence index (a no-change delta reads nothing) and test membership per changed revision.
  filteredSince: `SELECT u.update_id AS "updateId", u.latest_revision AS "revisionNumber"
    FROM revisions r
    JOIN updates u ON u.update_id = r.update_id AND u.latest_revision = r.revision_number
    WHERE r.change_seq > $3 AND u.is_software = 1
      AND EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = u.update_id AND s.kind = 'product'
        AND s.category_id = ANY($1::text[]))
      AND EXISTS (SELECT 1 FROM update_scope s WHERE s.update_id = u.update_id AND s.kind = 'classification'
        AND s.category_id = ANY($2::text[]))
    ORDER BY r.change_seq`,
} as const;

/**
 * The identities as the ($1, $2) arrays BY_IDENTITY unpacks. One whose revision number is no
 * 32-bit integer names no stored revision (none is written so) and is left out, as a lookup would
 * find nothing for it: the cast to int[] would fail the whole statement instead.
 */
function identityParams(ids: readonly UpdateIdentity[]): [string[], number[]] {
  const storable = ids.filter((i) => Number.isInteger(i.revisionNumber) && Math.abs(i.revisionNumber) < 2 ** 31);
  return [storable.map((i) => i.updateId), storable.map((i) => i.revisionNumber)];
}

/** Listed ids as the (ids, deltas) arrays the filtered list unpacks. */
function deltaParams(list: readonly DeltaId[]): [string[], number[]] {
  return [list.map((x) => x.id), list.map((x) => x.delta)];
}

/** Read-only queries over revisions, each inside the caller's (read) transaction. */
export class PgCatalogQueries {
  async checkRevisions(tx: PgTx, ids: readonly UpdateIdentity[], verify: boolean): Promise<Map<string, RevisionCheck>> {
    const out = new Map<string, RevisionCheck>();
    if (ids.length === 0) return out;
    if (!verify) {
      type Row = { id: string; rev: number; bad: boolean };
      for (const r of (await tx.query<Row>(SQL.checkQuick, identityParams(ids))).rows) {
        out.set(revisionKey({ updateId: r.id, revisionNumber: r.rev }), r.bad ? 'damaged' : 'ok');
      }
      return out;
    }
    type Row = { id: string; rev: number; parsed: string | null; xmlOk: boolean | null };
    const verifyFrom = (i: number) => tx.query<Row>(SQL.checkVerify, identityParams(ids.slice(i, i + VERIFY_CHUNK)));
    // Each chunk is asked for before the one before it is checked here, so the server reads and
    // hashes the next documents while this thread parses the facts it sent.
    let next = verifyFrom(0);
    for (let i = 0; i < ids.length; i += VERIFY_CHUNK) {
      const { rows } = await next;
      if (i + VERIFY_CHUNK < ids.length) next = verifyFrom(i + VERIFY_CHUNK);
      for (const r of rows) {
        const intact = r.xmlOk === true && factsWellFormed(r.parsed);
        out.set(revisionKey({ updateId: r.id, revisionNumber: r.rev }), intact ? 'ok' : 'damaged');
      }
    }
    return out;
  }

  /** Stored revisions in the order asked; absent and unreadable ones are skipped (checkRevisions reports those). */
  async getRevisions(tx: PgTx, ids: readonly UpdateIdentity[]): Promise<StoredRevision[]> {
    if (ids.length === 0) return [];
    const out: StoredRevision[] = [];
    type Row = { xml: string | null; parsed: string | null };
    for (const r of (await tx.query<Row>(SQL.getRevisions, identityParams(ids))).rows) {
      const revision = parseRevision(r.parsed);
      if (revision !== undefined && typeof r.xml === 'string') out.push({ revision, xml: r.xml });
    }
    return out;
  }

  /** Stored documents in the order asked, each only while it matches its stored hash. */
  async getRevisionDocuments(tx: PgTx, ids: readonly UpdateIdentity[]): Promise<RevisionDocument[]> {
    if (ids.length === 0) return [];
    type Row = { updateId: string; revisionNumber: number; xml: string; sha256: string };
    const rows = (await tx.query<Row>(SQL.getDocuments, identityParams(ids))).rows;
    return rows.map(({ updateId, revisionNumber, xml, sha256 }) => ({
      identity: { updateId, revisionNumber },
      xml,
      sha256,
    }));
  }

  async listLatestIdentities(tx: PgTx, config: boolean): Promise<UpdateIdentity[]> {
    if (config) return (await tx.query<UpdateIdentity>(SQL.config, [-1])).rows;
    return (await tx.query<UpdateIdentity>(SQL.latest)).rows;
  }

  /** Which of `updateIds` are stored. */
  async storedUpdateIds(tx: PgTx, updateIds: readonly string[]): Promise<Set<string>> {
    if (updateIds.length === 0) return new Set();
    const { rows } = await tx.query<{ id: string }>(SQL.storedIds, [updateIds]);
    return new Set(rows.map((r) => r.id));
  }

  /** Prerequisite ids outside category clauses of the latest revisions of `updateIds`, each once. */
  async listPrerequisiteIds(tx: PgTx, updateIds: readonly string[]): Promise<string[]> {
    if (updateIds.length === 0) return [];
    const { rows } = await tx.query<{ id: string }>(SQL.prerequisiteIds, [updateIds]);
    return rows.map((r) => r.id);
  }

  async listUpdateScopes(tx: PgTx): Promise<UpdateScope[]> {
    return (await tx.query<UpdateScope>(SQL.scopes)).rows;
  }

  /** Members of the latest revisions of `bundleIds`, each once. */
  async listBundleMembers(tx: PgTx, bundleIds: readonly string[]): Promise<UpdateIdentity[]> {
    if (bundleIds.length === 0) return [];
    return (await tx.query<UpdateIdentity>(SQL.bundleMembers, [bundleIds])).rows;
  }

  async listSupersedenceEdges(tx: PgTx): Promise<SupersedenceEdge[]> {
    return (await tx.query<SupersedenceRow>(SQL.supersedenceEdges)).rows.map(toSupersedenceEdge);
  }

  async listExpiredUpdateIds(tx: PgTx): Promise<string[]> {
    return (await tx.query<{ id: string }>(SQL.expiredIds)).rows.map((r) => r.id);
  }

  async currentSeq(tx: PgTx): Promise<number> {
    const { rows } = await tx.query<{ seq: number }>(SQL.currentSeq);
    return (rows[0] as { seq: number }).seq;
  }

  async listRevisionsForDownstream(
    tx: PgTx,
    query: RevisionListQuery,
  ): Promise<{ ids: UpdateIdentity[]; seq: number }> {
    // Read the counter first: revisions written after it are served again next time, never lost.
    // (The read transaction is one snapshot, so this is also the counter the lists below see.)
    const seq = await this.currentSeq(tx);
    const list = downstreamList(query);
    if (list.kind === 'none') return { ids: [], seq };
    if (list.kind !== 'filtered') {
      const sql = list.kind === 'config' ? SQL.config : SQL.allSoftware;
      return { ids: (await tx.query<UpdateIdentity>(sql, [list.since])).rows, seq };
    }
    const params = list.allDelta
      ? [list.products.map((x) => x.id), list.classifications.map((x) => x.id), list.since]
      : [...deltaParams(list.products), ...deltaParams(list.classifications), list.since];
    const ids = (await tx.query<UpdateIdentity>(list.allDelta ? SQL.filteredSince : SQL.filtered, params)).rows;
    return { ids, seq };
  }
}
