/**
 * The SQLite adapter of the site store: one better-sqlite3 connection, migrated on open. Each port
 * method runs synchronously inside one transaction (IMMEDIATE for writes, so a writer never has to
 * upgrade a read lock), wrapped as a promise. One process writes at a time.
 */
import type { StoredRevision, UpdateIdentity } from '../../catalog/model.ts';
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
import { CatalogMaintenance } from './catalog-maintenance.ts';
import { CatalogQueries } from './catalog-queries.ts';
import { DerivedRefresher } from './derived-refresh.ts';
import { assertCurrentSchema, MIGRATIONS, migrate } from './migrations.ts';
import { RevisionWriter } from './revision-writer.ts';
import { SiteRecords } from './site-records.ts';
import { openDatabase, type SqliteDb, toStoreError } from './sqlite-driver.ts';
import { SyncRecords } from './sync-records.ts';
import { UpdateQueries } from './update-queries.ts';

export interface SqliteSiteStoreOptions {
  /** Open without writing (no migration, no journal-mode change); every write fails with STORE_IO. */
  readonly readonly?: boolean;
  /** Clock for times the store stamps itself (upstream expiry, ledger, site creation). */
  readonly now?: () => Date;
  readonly busyTimeoutMs?: number;
}

/** The parts that write; built on the first write so a read-only store never creates temp tables. */
interface Writers {
  readonly derived: DerivedRefresher;
  readonly revisions: RevisionWriter;
  readonly maintenance: CatalogMaintenance;
}

class SqliteSiteStore implements SiteStore {
  readonly capabilities: StoreCapabilities = Object.freeze({ concurrentWriters: false });
  readonly #db: SqliteDb;
  readonly #now: () => string;
  readonly #catalog: CatalogQueries;
  readonly #updates: UpdateQueries;
  readonly #sync: SyncRecords;
  readonly #site: SiteRecords;
  #writerParts: Writers | undefined;

  constructor(db: SqliteDb, now: () => string) {
    this.#db = db;
    this.#now = now;
    this.#catalog = new CatalogQueries(db);
    this.#updates = new UpdateQueries(db);
    this.#sync = new SyncRecords(db);
    this.#site = new SiteRecords(db);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async getSettings(): Promise<SupSettings | undefined> {
    return this.#read('getSettings', () => this.#site.getSettings());
  }
  async initSite(settings: SupSettings): Promise<void> {
    this.#write('initSite', () => this.#site.initSite(settings, this.#now()));
  }
  async saveSettings(settings: SupSettings): Promise<void> {
    this.#write('saveSettings', () => this.#site.saveSettings(settings));
  }

  async putRevisions(revisions: readonly StoredRevision[], options: PutRevisionsOptions = {}): Promise<void> {
    const { state } = options;
    this.#writeCatalog('putRevisions', (w) => {
      // An anchor never commits ahead of the memberships of the revisions it covers.
      w.revisions.write(revisions, options.deferDerived === true && state === undefined);
      if (state !== undefined) this.#sync.patchSyncState(state.upstreamUrl, state.patch);
    });
  }
  async checkRevisions(ids: readonly UpdateIdentity[], verify: boolean): Promise<Map<string, RevisionCheck>> {
    return this.#read('checkRevisions', () => this.#catalog.checkRevisions(ids, verify));
  }
  async getRevisions(ids: readonly UpdateIdentity[]): Promise<StoredRevision[]> {
    return this.#read('getRevisions', () => this.#catalog.getRevisions(ids));
  }
  async getRevisionDocuments(ids: readonly UpdateIdentity[]): Promise<RevisionDocument[]> {
    return this.#read('getRevisionDocuments', () => this.#catalog.getRevisionDocuments(ids));
  }
  async listLatestIdentities(config: boolean): Promise<UpdateIdentity[]> {
    return this.#read('listLatestIdentities', () => this.#catalog.listLatestIdentities(config));
  }
  async listRevisionsForDownstream(query: RevisionListQuery): Promise<{ ids: UpdateIdentity[]; seq: number }> {
    return this.#read('listRevisionsForDownstream', () => this.#catalog.listRevisionsForDownstream(query));
  }
  async currentSeq(): Promise<number> {
    return this.#read('currentSeq', () => this.#catalog.currentSeq());
  }
  async listUpdateScopes(): Promise<UpdateScope[]> {
    return this.#read('listUpdateScopes', () => this.#catalog.listUpdateScopes());
  }
  async listBundleMembers(bundleIds: readonly string[]): Promise<UpdateIdentity[]> {
    return this.#read('listBundleMembers', () => this.#catalog.listBundleMembers(bundleIds));
  }

  async listPrerequisiteIds(updateIds: readonly string[]): Promise<string[]> {
    return this.#read('listPrerequisiteIds', () => this.#catalog.listPrerequisiteIds(updateIds));
  }

  async storedUpdateIds(updateIds: readonly string[]): Promise<Set<string>> {
    return this.#read('storedUpdateIds', () => this.#catalog.storedUpdateIds(updateIds));
  }
  async listSupersedenceEdges(): Promise<SupersedenceEdge[]> {
    return this.#read('listSupersedenceEdges', () => this.#catalog.listSupersedenceEdges());
  }
  async listExpiredUpdateIds(): Promise<string[]> {
    return this.#read('listExpiredUpdateIds', () => this.#catalog.listExpiredUpdateIds());
  }

  async listCategories(): Promise<CategorySummary[]> {
    return this.#read('listCategories', () => this.#updates.listCategories());
  }
  async queryUpdates(query: UpdateQuery): Promise<{ total: number; items: UpdateSummary[] }> {
    return this.#read('queryUpdates', () => this.#updates.queryUpdates(query));
  }
  async getUpdate(updateId: string): Promise<UpdateSummary | undefined> {
    return this.#read('getUpdate', () => this.#updates.getUpdate(updateId));
  }
  async countUpdatesByState(): Promise<UpdateStateCounts> {
    return this.#read('countUpdatesByState', () => this.#updates.countByState());
  }
  async expireUpdates(updateIds: readonly string[], at: string, reason: string): Promise<number> {
    return this.#writeCatalog('expireUpdates', (w) => w.maintenance.expireUpdates(updateIds, at, reason));
  }
  async unexpireUpdates(updateIds: readonly string[], reason: string): Promise<number> {
    return this.#writeCatalog('unexpireUpdates', (w) => w.maintenance.unexpireUpdates(updateIds, reason));
  }
  async removeExpiredBefore(before: string): Promise<string[]> {
    return this.#writeCatalog('removeExpiredBefore', (w) => w.maintenance.removeExpiredBefore(before));
  }
  async setDeployed(updateIds: readonly string[], deployed: boolean): Promise<number> {
    return this.#writeCatalog('setDeployed', (w) => w.maintenance.setDeployed(updateIds, deployed));
  }

  async getSyncState(upstreamUrl: string): Promise<SyncState | undefined> {
    return this.#read('getSyncState', () => this.#sync.getSyncState(upstreamUrl));
  }
  async patchSyncState(upstreamUrl: string, patch: SyncStatePatch): Promise<void> {
    this.#writeCatalog('patchSyncState', (w) => {
      w.derived.finishPending();
      this.#sync.patchSyncState(upstreamUrl, patch);
    });
  }
  async getSyncLease(): Promise<SyncLease | undefined> {
    return this.#read('getSyncLease', () => this.#sync.getSyncLease());
  }
  async acquireSyncLease(lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): Promise<SyncLease> {
    return this.#write('acquireSyncLease', () => this.#sync.acquireSyncLease(lease, canTakeOver));
  }
  async renewSyncLease(holder: string, at: string): Promise<boolean> {
    return this.#write('renewSyncLease', () => this.#sync.renewSyncLease(holder, at));
  }
  async releaseSyncLease(holder: string): Promise<void> {
    this.#write('releaseSyncLease', () => this.#sync.releaseSyncLease(holder));
  }
  async getCatalogVersion(): Promise<number> {
    return this.#read('getCatalogVersion', () => this.#site.getCatalogVersion());
  }
  async setCatalogVersion(version: number): Promise<void> {
    this.#write('setCatalogVersion', () => this.#site.setCatalogVersion(version));
  }
  async getExpiryCheckpoint(): Promise<ExpiryCheckpoint | undefined> {
    return this.#read('getExpiryCheckpoint', () => this.#site.getExpiryCheckpoint());
  }
  async saveExpiryCheckpoint(checkpoint: ExpiryCheckpoint): Promise<void> {
    this.#write('saveExpiryCheckpoint', () => this.#site.saveExpiryCheckpoint(checkpoint));
  }

  async createRun(run: Omit<SyncRunRecord, 'id'>): Promise<SyncRunRecord> {
    return this.#write('createRun', () => this.#sync.createRun(run));
  }
  async updateRun(id: number, patch: SyncRunPatch): Promise<SyncRunRecord> {
    return this.#write('updateRun', () => this.#sync.updateRun(id, patch));
  }
  async getRun(id: number): Promise<SyncRunRecord | undefined> {
    return this.#read('getRun', () => this.#sync.getRun(id));
  }
  async listRuns(limit: number): Promise<SyncRunRecord[]> {
    return this.#read('listRuns', () => this.#sync.listRuns(limit));
  }
  async addStatusMessage(message: Omit<StatusMessage, 'id'>): Promise<StatusMessage> {
    return this.#write('addStatusMessage', () => this.#sync.addStatusMessage(message));
  }
  async listStatusMessages(limit: number): Promise<StatusMessage[]> {
    return this.#read('listStatusMessages', () => this.#sync.listStatusMessages(limit));
  }

  async createToken(name: string, role: TokenRole, tokenHash: string, createdAt: string): Promise<ApiTokenRecord> {
    return this.#write('createToken', () => this.#site.createToken(name, role, tokenHash, createdAt));
  }
  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return this.#read('findTokenByHash', () => this.#site.findTokenByHash(tokenHash));
  }
  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.#read('listTokens', () => this.#site.listTokens());
  }
  async touchToken(id: number, at: string): Promise<void> {
    this.#write('touchToken', () => this.#site.touchToken(id, at));
  }
  async revokeToken(id: number): Promise<boolean> {
    return this.#write('revokeToken', () => this.#site.revokeToken(id));
  }
  async addAudit(record: Omit<AuditRecord, 'id'>): Promise<void> {
    this.#write('addAudit', () => this.#site.addAudit(record));
  }
  async listAudit(limit: number): Promise<AuditRecord[]> {
    return this.#read('listAudit', () => this.#site.listAudit(limit));
  }

  async raiseAlert(alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): Promise<AlertRecord> {
    return this.#write('raiseAlert', () => this.#site.raiseAlert(alert));
  }
  async cancelAlerts(kind: AlertRecord['kind'], at: string): Promise<number> {
    return this.#write('cancelAlerts', () => this.#site.cancelAlerts(kind, at));
  }
  async listAlerts(activeOnly: boolean): Promise<AlertRecord[]> {
    return this.#read('listAlerts', () => this.#site.listAlerts(activeOnly));
  }

  async putChildSite(child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): Promise<void> {
    this.#write('putChildSite', () => this.#site.putChildSite(child));
  }
  async removeChildSite(siteCode: string): Promise<boolean> {
    return this.#write('removeChildSite', () => this.#site.removeChildSite(siteCode));
  }
  async listChildSites(): Promise<ChildSiteRecord[]> {
    return this.#read('listChildSites', () => this.#site.listChildSites());
  }
  async recordChildNotification(siteCode: string, at: string, result: string): Promise<void> {
    this.#write('recordChildNotification', () => this.#site.recordChildNotification(siteCode, at, result));
  }

  /** A read in one (deferred) transaction, so multi-statement reads see one snapshot. */
  #read<T>(context: string, fn: () => T): T {
    try {
      return this.#db.transaction(fn)();
    } catch (err) {
      throw toStoreError(err, `${context} failed`);
    }
  }

  /** A write in one IMMEDIATE transaction: all of it or none of it. */
  #write<T>(context: string, fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (err) {
      throw toStoreError(err, `${context} failed`);
    }
  }

  /**
   * A catalog write. The writers are built before the transaction starts: they create temp tables,
   * which a rolled-back first write would otherwise take with it.
   */
  #writeCatalog<T>(context: string, fn: (w: Writers) => T): T {
    let parts: Writers;
    try {
      parts = this.#writers();
    } catch (err) {
      throw toStoreError(err, `${context} failed`);
    }
    return this.#write(context, () => fn(parts));
  }

  #writers(): Writers {
    if (this.#writerParts === undefined) {
      const derived = new DerivedRefresher(this.#db);
      this.#writerParts = {
        derived,
        revisions: new RevisionWriter(this.#db, derived, this.#now),
        maintenance: new CatalogMaintenance(this.#db, derived),
      };
    }
    return this.#writerParts;
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it to the current schema.
 * Throws STORE_IO when the file cannot be opened, STORE_SCHEMA_NEWER when a newer supsync wrote it.
 */
export function openSqliteSiteStore(path: string, options: SqliteSiteStoreOptions = {}): SiteStore {
  const clock = options.now ?? (() => new Date());
  const now = () => clock().toISOString();
  const readonly = options.readonly === true;
  const db = openDatabase(path, {
    readonly,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  try {
    if (readonly) assertCurrentSchema(db, MIGRATIONS);
    else migrate(db, MIGRATIONS, now);
    return new SqliteSiteStore(db, now);
  } catch (err) {
    db.close();
    throw toStoreError(err, `cannot open database ${path}`);
  }
}
