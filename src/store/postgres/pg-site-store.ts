/**
 * The PostgreSQL adapter of the site store, for sites that outgrow one SQLite file: the same port,
 * the same contract suite, the same set-based maintenance of the derived tables. Each port method
 * runs in one transaction (see pg-driver.ts for how writes are serialised). A site lives in its own
 * schema, so one database can hold several sites.
 */
import type { StoredRevision, UpdateIdentity } from '../../catalog/model.ts';
import { SupsyncError } from '../../shared/errors.ts';
import type { SupSettings } from '../../site/settings.ts';
import type {
  AlertRecord,
  ApiTokenRecord,
  AuditRecord,
  CategorySummary,
  ChildSiteRecord,
  ExpiryCheckpoint,
  PutRevisionsOptions,
  RevisionCheck,
  RevisionDocument,
  RevisionListQuery,
  SiteStore,
  StatusMessage,
  StoreCapabilities,
  SupersedenceEdge,
  SyncLease,
  SyncRunPatch,
  SyncRunRecord,
  SyncState,
  SyncStatePatch,
  TokenRole,
  UpdateQuery,
  UpdateScope,
  UpdateStateCounts,
  UpdateSummary,
} from '../site-store.ts';
import { PgCatalogMaintenance } from './catalog-maintenance.ts';
import { PgCatalogQueries } from './catalog-queries.ts';
import { DERIVED_SESSION_DDL, PgDerivedRefresher } from './derived-refresh.ts';
import { migratePg, PG_MIGRATIONS } from './migrations.ts';
import { PgDatabase, type PgTx, parsePgLocation, redactUrl, toStoreError } from './pg-driver.ts';
import { PgRevisionWriter } from './revision-writer.ts';
import { PgSiteRecords } from './site-records.ts';
import { PgSyncRecords } from './sync-records.ts';
import { PgUpdateQueries } from './update-queries.ts';

export interface PgSiteStoreOptions {
  /** Clock for times the store stamps itself (upstream expiry, ledger, site creation). */
  readonly now?: () => Date;
  /**
   * Refuse (STORE_NOT_INITIALIZED) a schema that holds no site tables, without creating or
   * migrating anything: a mistyped schema name must not leave an empty one behind.
   */
  readonly mustExist?: boolean;
  /** Refreshed updates after which the catalog tables are analyzed (see `#writeCatalog`). Default 10,000. */
  readonly analyzeAfter?: number;
}

/**
 * The tables a sync fills and its queries join. A first full sync loads them all at once, and the
 * planner has no statistics for them until autovacuum gets to each (at 150,000 updates the derived
 * tables were still unanalyzed four minutes after the load, autovacuum busy with the documents):
 * meanwhile a delta of 268 updates, whose refresh hash-joined whole tables, took 2.7 s, and 1.0 s
 * once they were analyzed (scratch runs; docs/benchmarks.md).
 */
const ANALYZE_CATALOG =
  'ANALYZE updates, revisions, update_kbs, update_prereqs, update_categories, update_scope, update_facets, bundles, supersedence';
const ANALYZE_AFTER = 10_000;

class PgSiteStore implements SiteStore {
  readonly capabilities: StoreCapabilities = Object.freeze({ concurrentWriters: false });
  readonly #db: PgDatabase;
  readonly #now: () => string;
  readonly #catalog = new PgCatalogQueries();
  readonly #updates = new PgUpdateQueries();
  readonly #sync = new PgSyncRecords();
  readonly #site = new PgSiteRecords();
  readonly #derived: PgDerivedRefresher;
  readonly #revisions: PgRevisionWriter;
  readonly #maintenance: PgCatalogMaintenance;

  readonly #analyzeAfter: number;

  constructor(db: PgDatabase, now: () => string, analyzeAfter: number) {
    this.#db = db;
    this.#now = now;
    this.#analyzeAfter = analyzeAfter;
    this.#derived = new PgDerivedRefresher();
    this.#revisions = new PgRevisionWriter(this.#derived, now);
    this.#maintenance = new PgCatalogMaintenance(this.#derived);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async getSettings(): Promise<SupSettings | undefined> {
    return this.#db.read('getSettings', (tx) => this.#site.getSettings(tx));
  }
  async initSite(settings: SupSettings): Promise<void> {
    await this.#db.write('initSite', (tx) => this.#site.initSite(tx, settings, this.#now()));
  }
  async saveSettings(settings: SupSettings): Promise<void> {
    await this.#db.write('saveSettings', (tx) => this.#site.saveSettings(tx, settings));
  }

  async putRevisions(revisions: readonly StoredRevision[], options: PutRevisionsOptions = {}): Promise<void> {
    const { state } = options;
    await this.#writeCatalog('putRevisions', async (tx) => {
      // An anchor never commits ahead of the memberships of the revisions it covers.
      await this.#revisions.write(tx, revisions, options.deferDerived === true && state === undefined);
      if (state !== undefined) await this.#sync.patchSyncState(tx, state.upstreamUrl, state.patch);
    });
  }
  async checkRevisions(ids: readonly UpdateIdentity[], verify: boolean): Promise<Map<string, RevisionCheck>> {
    return this.#db.read('checkRevisions', (tx) => this.#catalog.checkRevisions(tx, ids, verify));
  }
  async getRevisions(ids: readonly UpdateIdentity[]): Promise<StoredRevision[]> {
    return this.#db.read('getRevisions', (tx) => this.#catalog.getRevisions(tx, ids));
  }
  async getRevisionDocuments(ids: readonly UpdateIdentity[]): Promise<RevisionDocument[]> {
    return this.#db.read('getRevisionDocuments', (tx) => this.#catalog.getRevisionDocuments(tx, ids));
  }
  async listLatestIdentities(config: boolean): Promise<UpdateIdentity[]> {
    return this.#db.read('listLatestIdentities', (tx) => this.#catalog.listLatestIdentities(tx, config));
  }
  async listRevisionsForDownstream(query: RevisionListQuery): Promise<{ ids: UpdateIdentity[]; seq: number }> {
    return this.#db.read('listRevisionsForDownstream', (tx) => this.#catalog.listRevisionsForDownstream(tx, query));
  }
  async currentSeq(): Promise<number> {
    return this.#db.read('currentSeq', (tx) => this.#catalog.currentSeq(tx));
  }
  async listUpdateScopes(): Promise<UpdateScope[]> {
    return this.#db.read('listUpdateScopes', (tx) => this.#catalog.listUpdateScopes(tx));
  }
  async listBundleMembers(bundleIds: readonly string[]): Promise<UpdateIdentity[]> {
    return this.#db.read('listBundleMembers', (tx) => this.#catalog.listBundleMembers(tx, bundleIds));
  }

  async listPrerequisiteIds(updateIds: readonly string[]): Promise<string[]> {
    return this.#db.read('listPrerequisiteIds', (tx) => this.#catalog.listPrerequisiteIds(tx, updateIds));
  }

  async storedUpdateIds(updateIds: readonly string[]): Promise<Set<string>> {
    return this.#db.read('storedUpdateIds', (tx) => this.#catalog.storedUpdateIds(tx, updateIds));
  }
  async listSupersedenceEdges(): Promise<SupersedenceEdge[]> {
    return this.#db.read('listSupersedenceEdges', (tx) => this.#catalog.listSupersedenceEdges(tx));
  }
  async listExpiredUpdateIds(): Promise<string[]> {
    return this.#db.read('listExpiredUpdateIds', (tx) => this.#catalog.listExpiredUpdateIds(tx));
  }

  async listCategories(): Promise<CategorySummary[]> {
    return this.#db.read('listCategories', (tx) => this.#updates.listCategories(tx));
  }
  async queryUpdates(query: UpdateQuery): Promise<{ total: number; items: UpdateSummary[] }> {
    return this.#db.read('queryUpdates', (tx) => this.#updates.queryUpdates(tx, query));
  }
  async getUpdate(updateId: string): Promise<UpdateSummary | undefined> {
    return this.#db.read('getUpdate', (tx) => this.#updates.getUpdate(tx, updateId));
  }
  async countUpdatesByState(): Promise<UpdateStateCounts> {
    return this.#db.read('countUpdatesByState', (tx) => this.#updates.countByState(tx));
  }
  async expireUpdates(updateIds: readonly string[], at: string, reason: string): Promise<number> {
    return this.#writeCatalog('expireUpdates', (tx) => this.#maintenance.expireUpdates(tx, updateIds, at, reason));
  }
  async unexpireUpdates(updateIds: readonly string[], reason: string): Promise<number> {
    return this.#writeCatalog('unexpireUpdates', (tx) => this.#maintenance.unexpireUpdates(tx, updateIds, reason));
  }
  async removeExpiredBefore(before: string): Promise<string[]> {
    return this.#writeCatalog('removeExpiredBefore', (tx) => this.#maintenance.removeExpiredBefore(tx, before));
  }
  async setDeployed(updateIds: readonly string[], deployed: boolean): Promise<number> {
    return this.#writeCatalog('setDeployed', (tx) => this.#maintenance.setDeployed(tx, updateIds, deployed));
  }

  async getSyncState(upstreamUrl: string): Promise<SyncState | undefined> {
    return this.#db.read('getSyncState', (tx) => this.#sync.getSyncState(tx, upstreamUrl));
  }
  async patchSyncState(upstreamUrl: string, patch: SyncStatePatch): Promise<void> {
    await this.#writeCatalog('patchSyncState', async (tx) => {
      await this.#derived.finishPending(tx);
      await this.#sync.patchSyncState(tx, upstreamUrl, patch);
    });
  }
  async getSyncLease(): Promise<SyncLease | undefined> {
    return this.#db.read('getSyncLease', (tx) => this.#sync.getSyncLease(tx));
  }
  async acquireSyncLease(lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): Promise<SyncLease> {
    return this.#db.write('acquireSyncLease', (tx) => this.#sync.acquireSyncLease(tx, lease, canTakeOver));
  }
  async renewSyncLease(holder: string, at: string): Promise<boolean> {
    return this.#db.write('renewSyncLease', (tx) => this.#sync.renewSyncLease(tx, holder, at));
  }
  async releaseSyncLease(holder: string): Promise<void> {
    await this.#db.write('releaseSyncLease', (tx) => this.#sync.releaseSyncLease(tx, holder));
  }
  async getCatalogVersion(): Promise<number> {
    return this.#db.read('getCatalogVersion', (tx) => this.#site.getCatalogVersion(tx));
  }
  async setCatalogVersion(version: number): Promise<void> {
    await this.#db.write('setCatalogVersion', (tx) => this.#site.setCatalogVersion(tx, version));
  }
  async getExpiryCheckpoint(): Promise<ExpiryCheckpoint | undefined> {
    return this.#db.read('getExpiryCheckpoint', (tx) => this.#site.getExpiryCheckpoint(tx));
  }
  async saveExpiryCheckpoint(checkpoint: ExpiryCheckpoint): Promise<void> {
    await this.#db.write('saveExpiryCheckpoint', (tx) => this.#site.saveExpiryCheckpoint(tx, checkpoint));
  }

  async createRun(run: Omit<SyncRunRecord, 'id'>): Promise<SyncRunRecord> {
    return this.#db.write('createRun', (tx) => this.#sync.createRun(tx, run));
  }
  async updateRun(id: number, patch: SyncRunPatch): Promise<SyncRunRecord> {
    return this.#db.write('updateRun', (tx) => this.#sync.updateRun(tx, id, patch));
  }
  async getRun(id: number): Promise<SyncRunRecord | undefined> {
    return this.#db.read('getRun', (tx) => this.#sync.getRun(tx, id));
  }
  async listRuns(limit: number): Promise<SyncRunRecord[]> {
    return this.#db.read('listRuns', (tx) => this.#sync.listRuns(tx, limit));
  }
  async addStatusMessage(message: Omit<StatusMessage, 'id'>): Promise<StatusMessage> {
    return this.#db.write('addStatusMessage', (tx) => this.#sync.addStatusMessage(tx, message));
  }
  async listStatusMessages(limit: number): Promise<StatusMessage[]> {
    return this.#db.read('listStatusMessages', (tx) => this.#sync.listStatusMessages(tx, limit));
  }

  async createToken(name: string, role: TokenRole, tokenHash: string, createdAt: string): Promise<ApiTokenRecord> {
    return this.#db.write('createToken', (tx) => this.#site.createToken(tx, name, role, tokenHash, createdAt));
  }
  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return this.#db.read('findTokenByHash', (tx) => this.#site.findTokenByHash(tx, tokenHash));
  }
  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.#db.read('listTokens', (tx) => this.#site.listTokens(tx));
  }
  async touchToken(id: number, at: string): Promise<void> {
    await this.#db.write('touchToken', (tx) => this.#site.touchToken(tx, id, at));
  }
  async revokeToken(id: number): Promise<boolean> {
    return this.#db.write('revokeToken', (tx) => this.#site.revokeToken(tx, id));
  }
  async addAudit(record: Omit<AuditRecord, 'id'>): Promise<void> {
    await this.#db.write('addAudit', (tx) => this.#site.addAudit(tx, record));
  }
  async listAudit(limit: number): Promise<AuditRecord[]> {
    return this.#db.read('listAudit', (tx) => this.#site.listAudit(tx, limit));
  }

  async raiseAlert(alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): Promise<AlertRecord> {
    return this.#db.write('raiseAlert', (tx) => this.#site.raiseAlert(tx, alert));
  }
  async cancelAlerts(kind: AlertRecord['kind'], at: string): Promise<number> {
    return this.#db.write('cancelAlerts', (tx) => this.#site.cancelAlerts(tx, kind, at));
  }
  async listAlerts(activeOnly: boolean): Promise<AlertRecord[]> {
    return this.#db.read('listAlerts', (tx) => this.#site.listAlerts(tx, activeOnly));
  }

  async putChildSite(child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): Promise<void> {
    await this.#db.write('putChildSite', (tx) => this.#site.putChildSite(tx, child));
  }
  async removeChildSite(siteCode: string): Promise<boolean> {
    return this.#db.write('removeChildSite', (tx) => this.#site.removeChildSite(tx, siteCode));
  }
  async listChildSites(): Promise<ChildSiteRecord[]> {
    return this.#db.read('listChildSites', (tx) => this.#site.listChildSites(tx));
  }
  async recordChildNotification(siteCode: string, at: string, result: string): Promise<void> {
    await this.#db.write('recordChildNotification', (tx) =>
      this.#site.recordChildNotification(tx, siteCode, at, result),
    );
  }

  /**
   * A write that may refresh the derived tables. Once it has committed, and once the refreshes
   * since the last time have touched `analyzeAfter` updates or more (a first full sync, a large
   * catch-up or cleanup), the catalog's tables are analyzed, as PostgreSQL advises after a bulk
   * load, rather than left to autovacuum. ANALYZE reads a sample of each table and blocks neither
   * readers nor writers.
   */
  async #writeCatalog<T>(context: string, fn: (tx: PgTx) => Promise<T>): Promise<T> {
    const result = await this.#db.write(context, fn);
    if (this.#derived.refreshed >= this.#analyzeAfter) {
      this.#derived.resetRefreshed();
      await this.#db.write('analyze', (tx) => tx.query(ANALYZE_CATALOG));
    }
    return result;
  }
}

/**
 * Connects to the site at `url` (`postgres://…/db?schema=name`, schema `supsync` by default),
 * creating its schema if needed, and migrates it to the current version. Throws STORE_IO when the
 * server cannot be reached, STORE_SCHEMA_NEWER when a newer supsync wrote the schema.
 */
export async function openPgSiteStore(url: string, options: PgSiteStoreOptions = {}): Promise<SiteStore> {
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();
  const mustExist = options.mustExist === true;
  const db = await PgDatabase.connect(parsePgLocation(url), !mustExist);
  try {
    if (mustExist) {
      // to_regclass looks in the search path, the site's schema: NULL when either is missing.
      const found = await db.read('open', (tx) =>
        tx.query<{ present: boolean }>("SELECT to_regclass('site') IS NOT NULL AS present"),
      );
      if (found.rows[0]?.present !== true) {
        throw new SupsyncError('STORE_NOT_INITIALIZED', `no site in ${redactUrl(url)}; create one with supsync init`);
      }
    }
    await migratePg(db, PG_MIGRATIONS, now);
    // The derived refresh's working tables live in the writing connection's session.
    await db.session('open', DERIVED_SESSION_DDL);
    return new PgSiteStore(db, now, options.analyzeAfter ?? ANALYZE_AFTER);
  } catch (err) {
    await db.close();
    throw toStoreError(err, `cannot open database ${redactUrl(url)}`);
  }
}
