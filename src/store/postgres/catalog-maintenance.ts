/**
 * The site's own state of updates: expiry (ConfigMgr rules), deployment flags, and cleanup of
 * expired updates; the PostgreSQL translation of ../sqlite/catalog-maintenance.ts. Each call is a
 * statement or two with the ids as one array parameter, however many there are (a full sync asks
 * about the whole catalog). Must run inside a write transaction.
 */
import type { PgDerivedRefresher } from './derived-refresh.ts';
import type { PgTx } from './pg-driver.ts';

// The paging facets carry the flags so filtered counts never read the updates rows. As on SQLite
// they are set for every id asked, not only for the rows that changed: after a deferred batch they
// may lag behind their update until the closing refresh. Only rows whose value changes are
// written (an unchanged UPDATE still writes a new row version).
const SQL = {
  expire: `WITH changed AS (UPDATE updates SET is_expired = 1, expired_at = $1, expire_reason = $2
      WHERE is_expired = 0 AND update_id = ANY($3::text[]) RETURNING update_id),
    facets AS (UPDATE update_facets SET is_expired = 1 WHERE is_expired = 0 AND update_id = ANY($3::text[]))
    SELECT count(*)::int AS n FROM changed`,
  // What the site expired for one reason is few next to the ids a full sync asks about; never an
  // update the upstream publishes as Expired, whatever reason its expiry has.
  unexpire: `WITH lifted AS (UPDATE updates SET is_expired = 0, expired_at = NULL, expire_reason = NULL
      WHERE is_expired = 1 AND expire_reason = $1 AND publication_state <> 'Expired' AND update_id = ANY($2::text[])
      RETURNING update_id),
    facets AS (UPDATE update_facets SET is_expired = 0
      WHERE is_expired = 1 AND update_id IN (SELECT update_id FROM lifted))
    SELECT count(*)::int AS n FROM lifted`,
  deploy: `WITH changed AS (UPDATE updates SET is_deployed = $1
      WHERE is_deployed <> $1 AND update_id = ANY($2::text[]) RETURNING update_id),
    facets AS (UPDATE update_facets SET is_deployed = $1 WHERE is_deployed <> $1 AND update_id = ANY($2::text[]))
    SELECT count(*)::int AS n FROM changed`,
  removable: `SELECT update_id AS id, category_kind AS kind FROM updates
    WHERE is_expired = 1 AND is_deployed = 0 AND expired_at < $1 ORDER BY update_id`,
  // The derived tables have no foreign keys to updates (see schema-v1.ts), so the rows the removed
  // updates own go here, in the same statement; only revisions cascade. Edges other updates hold
  // towards them (a member_id, a superseded_id, a ref_id) stay, as the doc comment below says.
  remove: `WITH kbs AS (DELETE FROM update_kbs WHERE update_id = ANY($1::text[])),
      prereqs AS (DELETE FROM update_prereqs WHERE update_id = ANY($1::text[])),
      categories AS (DELETE FROM update_categories WHERE update_id = ANY($1::text[])),
      scope AS (DELETE FROM update_scope WHERE update_id = ANY($1::text[])),
      facets AS (DELETE FROM update_facets WHERE update_id = ANY($1::text[])),
      members AS (DELETE FROM bundles WHERE bundle_id = ANY($1::text[])),
      superseded AS (DELETE FROM supersedence WHERE superseding_id = ANY($1::text[]))
    DELETE FROM updates WHERE update_id = ANY($1::text[])`,
} as const;

export class PgCatalogMaintenance {
  readonly #derived: PgDerivedRefresher;

  constructor(derived: PgDerivedRefresher) {
    this.#derived = derived;
  }

  /** Returns how many updates were not expired before. */
  async expireUpdates(tx: PgTx, updateIds: readonly string[], at: string, reason: string): Promise<number> {
    if (updateIds.length === 0) return 0;
    return count(await tx.query<{ n: number }>(SQL.expire, [at, reason, updateIds]));
  }

  /** Returns how many updates were expired with `reason` and are not any more. */
  async unexpireUpdates(tx: PgTx, updateIds: readonly string[], reason: string): Promise<number> {
    if (updateIds.length === 0) return 0;
    return count(await tx.query<{ n: number }>(SQL.unexpire, [reason, updateIds]));
  }

  /** Returns how many updates changed their flag. */
  async setDeployed(tx: PgTx, updateIds: readonly string[], deployed: boolean): Promise<number> {
    if (updateIds.length === 0) return 0;
    return count(await tx.query<{ n: number }>(SQL.deploy, [deployed ? 1 : 0, updateIds]));
  }

  /**
   * Deletes expired, undeployed updates expired before `before`. Bundles and supersedence edges that
   * other updates hold towards them stay (those updates still say so); memberships inherited from a
   * removed bundle and superseded flags it caused are recomputed.
   */
  async removeExpiredBefore(tx: PgTx, before: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string; kind: string | null }>(SQL.removable, [before]);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await this.#derived.begin(tx);
    await this.#derived.markOldEdges(tx, ids);
    this.#derived.markCategoryChanged(rows.filter((r) => r.kind !== null).map((r) => r.id));
    await tx.query(SQL.remove, [ids]);
    await this.#derived.finish(tx);
    return ids;
  }
}

function count(result: { rows: { n: number }[] }): number {
  return result.rows[0]?.n ?? 0;
}
