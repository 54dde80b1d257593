/**
 * The site's own state of updates: expiry (ConfigMgr rules), deployment flags, and cleanup of
 * expired updates. Must run inside a write transaction.
 */
import { chunks } from './catalog-queries.ts';
import type { DerivedRefresher } from './derived-refresh.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const IDS = 'SELECT value FROM json_each(?)';

const SQL = {
  // The stored ones among the ids, in the order their rows are stored (arrival order). Updated in
  // that order, rows and their paging facets are visited page by page: at 150k, expiring 56,912
  // updates took 2.2 s this way and 7.6 s in update id order (one scratch run each).
  storageOrder: `SELECT u.update_id AS id FROM json_each(?) j CROSS JOIN updates u ON u.update_id = j.value
    ORDER BY u.rowid`,
  // `+is_expired` keeps the planner on the primary key: without statistics it preferred the index on
  // is_expired and scanned every unexpired update once per chunk of ids (50,000 at 150k: 8 s).
  expire: `UPDATE updates SET is_expired = 1, expired_at = ?, expire_reason = ?
    WHERE +is_expired = 0 AND update_id IN (${IDS})`,
  // What the site expired for one reason is few next to the ids a full sync asks about (the whole
  // catalog offered): start from those expiries, by the index on is_expired.
  expiredFor: `SELECT update_id AS id FROM updates
    WHERE is_expired = 1 AND expire_reason = ? AND publication_state <> 'Expired'`,
  unexpire: `UPDATE updates SET is_expired = 0, expired_at = NULL, expire_reason = NULL WHERE update_id IN (${IDS})`,
  unexpireFacets: `UPDATE update_facets SET is_expired = 0 WHERE update_id IN (${IDS})`,
  deploy: `UPDATE updates SET is_deployed = ? WHERE is_deployed <> ? AND update_id IN (${IDS})`,
  // The paging facets carry the flags so filtered counts never read the updates rows.
  expireFacets: `UPDATE update_facets SET is_expired = 1 WHERE update_id IN (${IDS})`,
  deployFacets: `UPDATE update_facets SET is_deployed = ? WHERE update_id IN (${IDS})`,
  removable: `SELECT update_id AS id, category_kind AS kind FROM updates
    WHERE is_expired = 1 AND is_deployed = 0 AND expired_at < ? ORDER BY update_id`,
  // Cascades to revisions and every derived row the update owns.
  remove: `DELETE FROM updates WHERE update_id IN (${IDS})`,
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;

export class CatalogMaintenance {
  readonly #s: Prepared;
  readonly #derived: DerivedRefresher;

  constructor(db: SqliteDb, derived: DerivedRefresher) {
    this.#s = prepareAll(db, SQL);
    this.#derived = derived;
  }

  /** Returns how many updates were not expired before. */
  expireUpdates(updateIds: readonly string[], at: string, reason: string): number {
    let changed = 0;
    for (const part of chunks(this.#inStorageOrder(updateIds))) {
      const json = JSON.stringify(part);
      changed += this.#s.expire.run(at, reason, json).changes;
      this.#s.expireFacets.run(json);
    }
    return changed;
  }

  /** Returns how many updates were expired with `reason` and are not any more. */
  unexpireUpdates(updateIds: readonly string[], reason: string): number {
    const expired = (this.#s.expiredFor.all(reason) as { id: string }[]).map((r) => r.id);
    if (expired.length === 0) return 0;
    const asked = new Set(updateIds);
    const lift = this.#inStorageOrder(expired.filter((id) => asked.has(id)));
    for (const part of chunks(lift)) {
      const json = JSON.stringify(part);
      this.#s.unexpire.run(json);
      this.#s.unexpireFacets.run(json);
    }
    return lift.length;
  }

  setDeployed(updateIds: readonly string[], deployed: boolean): number {
    const flag = deployed ? 1 : 0;
    let changed = 0;
    for (const part of chunks(this.#inStorageOrder(updateIds))) {
      const json = JSON.stringify(part);
      changed += this.#s.deploy.run(flag, flag, json).changes;
      this.#s.deployFacets.run(flag, json);
    }
    return changed;
  }

  #inStorageOrder(updateIds: readonly string[]): string[] {
    if (updateIds.length === 0) return [];
    return (this.#s.storageOrder.all(JSON.stringify(updateIds)) as { id: string }[]).map((r) => r.id);
  }

  /**
   * Deletes expired, undeployed updates expired before `before`. Bundles and supersedence edges that
   * other updates hold towards them stay (those updates still say so); memberships inherited from a
   * removed bundle and superseded flags it caused are recomputed.
   */
  removeExpiredBefore(before: string): string[] {
    const rows = this.#s.removable.all(before) as { id: string; kind: string | null }[];
    if (rows.length === 0) return [];
    this.#derived.begin();
    for (const r of rows) {
      this.#derived.markOldEdges(r.id);
      if (r.kind !== null) this.#derived.markCategoryChanged(r.id);
    }
    const ids = rows.map((r) => r.id);
    for (const part of chunks(ids)) this.#s.remove.run(JSON.stringify(part));
    this.#derived.finish();
    return ids;
  }
}
