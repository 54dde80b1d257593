/**
 * The site store port: everything a site keeps, owned by the core. Adapters (sqlite/, later
 * postgres/) implement it; nothing outside an adapter imports a database library.
 *
 * Every method is atomic: it either fully happens or not at all. Methods that write catalog data and
 * sync bookkeeping together (putRevisions with a state patch) do so in one transaction, so anchors
 * never run ahead of the data they describe.
 */
import type { CategoryType, StoredRevision, UpdateIdentity, UpdateType } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { SupSettings } from '../site/settings.ts';

export interface StoreCapabilities {
  /** More than one process may write at the same time (PostgreSQL), or only one (SQLite). */
  readonly concurrentWriters: boolean;
}

/** Per-upstream sync bookkeeping (anchors, cookie, the subscription the anchors belong to). */
export interface SyncState {
  readonly upstreamUrl: string;
  readonly configAnchor?: string;
  readonly categoryAnchor?: string;
  readonly updateAnchor?: string;
  /** Product / classification ids that were in the filter when `updateAnchor` was taken (for per-id Delta). */
  readonly anchorProducts?: readonly string[];
  readonly anchorClassifications?: readonly string[];
  /** Fingerprint of the settings that make a delta escalate to full when they change. */
  readonly fingerprint?: string;
  /** The upstream's GetConfigData answer, as JSON. */
  readonly serverConfig?: unknown;
  readonly lastFullSyncAt?: string;
  readonly lastSuccessAt?: string;
}

/** A partial update of SyncState; `null` clears a field. */
export type SyncStatePatch = { readonly [K in keyof Omit<SyncState, 'upstreamUrl'>]?: SyncState[K] | null };

/**
 * What the supersedence rules saw when they last ran: the catalog's change sequence, the rules, and
 * the earliest time an update they left alone becomes due. While the sequence and the rules are the
 * same and that time has not come, running them again would expire nothing.
 */
export interface ExpiryCheckpoint {
  readonly seq: number;
  /** The rules as JSON (SupSettings.supersedence). */
  readonly rules: string;
  /** ISO time; null when nothing superseded waits. */
  readonly nextDueAt: string | null;
}

/**
 * The process synchronizing the site. One holds it at a time and renews it while its sync runs, so a
 * second process (a CLI sync next to a running server) neither starts a concurrent sync nor takes
 * the live run for one a crash interrupted.
 */
export interface SyncLease {
  /** Unique per coordinator (process). */
  readonly holder: string;
  readonly pid: number;
  readonly host: string;
  readonly runId: number;
  readonly acquiredAt: string;
  readonly renewedAt: string;
}

export interface PutRevisionsOptions {
  /** A sync-state patch committed with the revisions. */
  readonly state?: { readonly upstreamUrl: string; readonly patch: SyncStatePatch };
  /**
   * Leave the derived tables of these revisions (each update's KBs, prerequisites, bundle members
   * and supersedence; memberships, effective scope, paging facets, superseded flags) to a later
   * write: the next `putRevisions` without this option, `patchSyncState` or a removal brings them
   * up to date, for every deferred batch at once. Until then queries see the new revisions' summary
   * rows and, for the rest, the catalog as it was before them; the change sequence offered
   * downstream does not move past them. The revisions and summaries commit now, so nothing is lost
   * and nothing is downloaded twice. Ignored when `state` is given. For bulk writers such as a sync
   * phase, which end with a write without it.
   */
  readonly deferDerived?: boolean;
}

/** A stored update document and the SHA-256 (hex) of its UTF-8 text, which it matches. */
export interface RevisionDocument {
  readonly identity: UpdateIdentity;
  readonly xml: string;
  readonly sha256: string;
}

/** What the store knows about one stored revision when asked to check it. */
export type RevisionCheck = 'ok' | 'damaged';

/** Catalog-wide state of an update as the site sees it (SMS_SoftwareUpdate-like). */
export interface UpdateSummary {
  readonly updateId: string;
  readonly revisionNumber: number;
  readonly updateType: UpdateType;
  readonly title: string;
  readonly description?: string;
  readonly kbArticleIds: readonly string[];
  readonly bulletinIds: readonly string[];
  readonly msrcSeverity?: string;
  readonly productIds: readonly string[];
  readonly classificationIds: readonly string[];
  /** Creation date of the first revision seen (DatePosted). */
  readonly datePosted: string;
  /** Creation date of the latest revision (DateRevised). */
  readonly dateRevised: string;
  readonly isBundle: boolean;
  readonly isSuperseded: boolean;
  readonly supersededBy: readonly string[];
  readonly isExpired: boolean;
  readonly expiredAt?: string;
  readonly isDeployed: boolean;
  readonly isFeatureUpdate: boolean;
  readonly publicationState: string;
}

/** Software and driver updates by state. */
export interface UpdateStateCounts {
  /** Neither superseded nor expired. */
  readonly active: number;
  /** Superseded and not (yet) expired. */
  readonly superseded: number;
  readonly expired: number;
  readonly deployed: number;
}

/** An update superseded by another stored update. */
export interface SupersedenceEdge {
  readonly supersededId: string;
  readonly supersedingId: string;
  /** Creation date (ISO) of the superseding update's latest revision. */
  readonly supersedingCreated: string;
  readonly supersededIsFeature: boolean;
}

export interface CategorySummary {
  readonly categoryId: string;
  readonly revisionNumber: number;
  readonly categoryType?: CategoryType;
  readonly title: string;
  readonly parentId?: string;
}

/**
 * Filters for the patch-admin update list (software and driver updates only, newest DateRevised
 * first, then by id). Product and classification use the effective membership described at
 * {@link RevisionListQuery}.
 */
export interface UpdateQuery {
  readonly productId?: string;
  readonly classificationId?: string;
  /** With or without the `KB` prefix. */
  readonly kbArticleId?: string;
  /** MsrcSeverity, case-insensitive (`Critical`, `Important`, …). */
  readonly severity?: string;
  readonly isSuperseded?: boolean;
  readonly isExpired?: boolean;
  readonly isDeployed?: boolean;
  /** Case-insensitive substring of the title. */
  readonly text?: string;
  readonly postedFrom?: string;
  readonly postedTo?: string;
  readonly revisedFrom?: string;
  readonly revisedTo?: string;
  readonly offset?: number;
  /** Page size; default 50, at most 1000. */
  readonly limit?: number;
}

/**
 * Query for serving revisions to a downstream server (GetRevisionIdList semantics).
 *
 * An update is in a product (classification) when that category id is named anywhere in its
 * prerequisites — `AtLeastOne IsCategory="true"`, plain `AtLeastOne` or a bare id — or, when it
 * names no product (classification) of its own, when a bundle containing it is. This is what a real
 * WSUS serves: the Defender bundles carry product and classification in plain `AtLeastOne` clauses
 * and their leaves only the product, yet both are listed for Defender x Definition Updates.
 * Products only, or classifications only: nothing. Neither: every software and driver update.
 */
export interface RevisionListQuery {
  /** true: categories and detectoids; false: software and driver updates. */
  readonly config: boolean;
  /** Only revisions whose change sequence is greater than this (undefined: all). */
  readonly sinceSeq?: number;
  /** Update list only: product ids with their Delta flag (Delta=false ignores sinceSeq for that id). */
  readonly products?: readonly { readonly id: string; readonly delta: boolean }[];
  readonly classifications?: readonly { readonly id: string; readonly delta: boolean }[];
}

export type SyncKind = 'full' | 'delta';
export type SyncTrigger = 'schedule' | 'manual' | 'api' | 'cli' | 'parent' | 'retry' | 'startup' | 'import';
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Counts per phase, as shown in history and the wsyncmgr log. */
export interface PhaseCounts {
  readonly listed: number;
  readonly downloaded: number;
  readonly repaired: number;
  readonly expired: number;
  readonly removed: number;
  readonly failed: number;
}

export interface SyncRunRecord {
  readonly id: number;
  readonly kind: SyncKind;
  readonly reason: string;
  readonly trigger: SyncTrigger;
  readonly requestedBy?: string;
  readonly state: RunState;
  readonly queuedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly categories?: PhaseCounts;
  readonly updates?: PhaseCounts;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly catalogVersion?: number;
  readonly upstreamUrl: string;
}

export type SyncRunPatch = Partial<Omit<SyncRunRecord, 'id' | 'queuedAt'>>;

/** A ConfigMgr-style status message (6701 started … 6703 failed). */
export interface StatusMessage {
  readonly id: number;
  readonly runId?: number;
  readonly messageId: number;
  readonly severity: 'I' | 'W' | 'E';
  readonly time: string;
  readonly text: string;
}

export type TokenRole = 'read' | 'operator' | 'admin';

export interface ApiTokenRecord {
  readonly id: number;
  readonly name: string;
  readonly role: TokenRole;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

/** What one update matches in a filtered downstream list. */
export interface UpdateScope {
  readonly updateId: string;
  readonly products: readonly string[];
  readonly classifications: readonly string[];
}

/** A child site notified after each sync that changes the catalog (ConfigMgr's parent sync request). */
export interface ChildSiteRecord {
  /** The child's site code, e.g. `PS1`. */
  readonly siteCode: string;
  /** Root URL of the child's site service (its API is under `/api/v1`). */
  readonly url: string;
  /** An operator token the child issued for this parent; never shown by an API answer. */
  readonly token: string;
  readonly addedAt: string;
  /** When the last notification was sent, and what came of it. */
  readonly notifiedAt?: string;
  readonly notifyResult?: string;
}

export interface AuditRecord {
  readonly id: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly details: unknown;
}

export interface AlertRecord {
  readonly id: number;
  readonly kind: 'sync-failure';
  readonly state: 'active' | 'canceled';
  readonly raisedAt: string;
  readonly canceledAt?: string;
  readonly message: string;
  readonly runId?: number;
}

/** The site store. All times are ISO 8601 strings in UTC. */
export interface SiteStore {
  readonly capabilities: StoreCapabilities;
  close(): Promise<void>;

  /** The site's settings, or undefined when the database holds no site yet. */
  getSettings(): Promise<SupSettings | undefined>;
  /** Creates the site; STORE_ALREADY_INITIALIZED if one exists. */
  initSite(settings: SupSettings): Promise<void>;
  /** Replaces the settings (validated by the caller). */
  saveSettings(settings: SupSettings): Promise<void>;

  /**
   * Upserts revisions (categories and updates alike) and, in the same transaction, applies the
   * optional sync-state patch. Each written revision gets a new change sequence number.
   */
  putRevisions(revisions: readonly StoredRevision[], options?: PutRevisionsOptions): Promise<void>;
  /**
   * Which of `ids` are stored, keyed by `revisionKey`; absent ids are missing (not in the map). A
   * revision whose document or parsed facts are gone is 'damaged'; with `verify`, also one whose
   * XML no longer matches its hash, or whose parsed facts are unreadable or hold a relation in a
   * shape the derived tables cannot read.
   */
  checkRevisions(ids: readonly UpdateIdentity[], verify: boolean): Promise<Map<string, RevisionCheck>>;
  /** Stored revisions with their original XML, in the order asked; absent and damaged ids are skipped. */
  getRevisions(ids: readonly UpdateIdentity[]): Promise<StoredRevision[]>;
  /**
   * The stored documents alone, in the order asked, each only while it still matches the SHA-256 it
   * was stored with (what an export carries); absent and changed ones are skipped. The parsed facts
   * are neither read nor checked.
   */
  getRevisionDocuments(ids: readonly UpdateIdentity[]): Promise<RevisionDocument[]>;
  /** Latest revision identity of every stored update (or category when `config`). */
  listLatestIdentities(config: boolean): Promise<UpdateIdentity[]>;
  /** Revisions to serve downstream, plus the current change sequence (the new anchor's counter). */
  listRevisionsForDownstream(query: RevisionListQuery): Promise<{ ids: UpdateIdentity[]; seq: number }>;
  /**
   * The change sequence a downstream anchor may cover: the highest one whose derived tables are up
   * to date (revisions of deferred writes have higher numbers until they are).
   */
  currentSeq(): Promise<number>;

  /**
   * The effective products and classifications of every software and driver update (the scope a
   * filtered downstream list matches, bundle inheritance included), in update id order; updates
   * with neither are left out.
   */
  listUpdateScopes(): Promise<UpdateScope[]>;
  /**
   * Bundle members of the latest revisions of `bundleIds` (the BundledUpdates of each), from the
   * derived tables — used by a full sync to walk the dependency closure without re-reading XML.
   */
  listBundleMembers(bundleIds: readonly string[]): Promise<UpdateIdentity[]>;
  /**
   * Update ids the latest revisions of `updateIds` name as prerequisites outside category clauses
   * (categories, detectoids and updates alike), each once.
   */
  listPrerequisiteIds(updateIds: readonly string[]): Promise<string[]>;
  /** Which of `updateIds` the site stores (any revision, any update type). */
  storedUpdateIds(updateIds: readonly string[]): Promise<Set<string>>;
  /**
   * Every supersedence edge between stored updates whose superseded end is not yet expired (for the
   * supersedence rules). Edges from a superseding update whose latest revision upstream marked
   * Expired (withdrawn by Microsoft) are left out; one the site expired itself still counts.
   */
  listSupersedenceEdges(): Promise<SupersedenceEdge[]>;
  /** Every expired update's id, in id order (what a replica downstream server is told is declined). */
  listExpiredUpdateIds(): Promise<string[]>;

  /** Categories (companies, families, products, classifications) the site knows. */
  listCategories(): Promise<CategorySummary[]>;
  /** One page of updates matching the query, plus the total count. */
  queryUpdates(query: UpdateQuery): Promise<{ total: number; items: UpdateSummary[] }>;
  getUpdate(updateId: string): Promise<UpdateSummary | undefined>;
  /** How many software and driver updates are in each state, in one pass (for metrics). */
  countUpdatesByState(): Promise<UpdateStateCounts>;
  /** Marks updates expired (ConfigMgr expiry: supersedence rules, unsubscribed products). Returns how many changed. */
  expireUpdates(updateIds: readonly string[], at: string, reason: string): Promise<number>;
  /**
   * Lifts the site's own expiry from these updates where it was set with `reason` (a product added
   * back to the subscription brings its updates back). An expiry for another reason, or one the
   * upstream published (latest revision Expired), stays. Returns how many changed.
   */
  unexpireUpdates(updateIds: readonly string[], reason: string): Promise<number>;
  /** Removes expired, undeployed updates expired before `before`. Returns the removed ids. */
  removeExpiredBefore(before: string): Promise<string[]>;
  setDeployed(updateIds: readonly string[], deployed: boolean): Promise<number>;

  getSyncState(upstreamUrl: string): Promise<SyncState | undefined>;
  /**
   * Applies a sync-state patch. Derived tables left behind by deferred writes are brought up to date
   * first, in the same transaction: an anchor never commits ahead of the data it describes.
   */
  patchSyncState(upstreamUrl: string, patch: SyncStatePatch): Promise<void>;

  /** Who is synchronizing the site, if anyone (see SyncLease). */
  getSyncLease(): Promise<SyncLease | undefined>;
  /**
   * Takes the lease, in one transaction, when nobody holds it, when `lease.holder` already does, or
   * when `canTakeOver(current)` says its holder is gone. Returns the holder afterwards: `lease` when
   * taken, the other one when not.
   */
  acquireSyncLease(lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): Promise<SyncLease>;
  /** Records that `holder` still runs; false when it no longer holds the lease. */
  renewSyncLease(holder: string, at: string): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseSyncLease(holder: string): Promise<void>;
  /** The catalog version (SyncCatalogVersion); bumped by the sync only when the catalog changed. */
  getCatalogVersion(): Promise<number>;
  setCatalogVersion(version: number): Promise<void>;
  /** Where the supersedence rules last left off; undefined before they first ran. */
  getExpiryCheckpoint(): Promise<ExpiryCheckpoint | undefined>;
  saveExpiryCheckpoint(checkpoint: ExpiryCheckpoint): Promise<void>;

  createRun(run: Omit<SyncRunRecord, 'id'>): Promise<SyncRunRecord>;
  updateRun(id: number, patch: SyncRunPatch): Promise<SyncRunRecord>;
  getRun(id: number): Promise<SyncRunRecord | undefined>;
  listRuns(limit: number): Promise<SyncRunRecord[]>;
  addStatusMessage(message: Omit<StatusMessage, 'id'>): Promise<StatusMessage>;
  listStatusMessages(limit: number): Promise<StatusMessage[]>;

  createToken(name: string, role: TokenRole, tokenHash: string, createdAt: string): Promise<ApiTokenRecord>;
  findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  listTokens(): Promise<ApiTokenRecord[]>;
  /** Records that a token was just used (sets `lastUsedAt`); unknown ids are ignored. */
  touchToken(id: number, at: string): Promise<void>;
  /** Deletes a token; false when no token has that id. */
  revokeToken(id: number): Promise<boolean>;
  addAudit(record: Omit<AuditRecord, 'id'>): Promise<void>;
  listAudit(limit: number): Promise<AuditRecord[]>;

  raiseAlert(alert: Omit<AlertRecord, 'id' | 'state' | 'canceledAt'>): Promise<AlertRecord>;
  cancelAlerts(kind: AlertRecord['kind'], at: string): Promise<number>;
  listAlerts(activeOnly: boolean): Promise<AlertRecord[]>;

  /** Adds a child site, or replaces the one with the same site code. */
  putChildSite(child: Omit<ChildSiteRecord, 'notifiedAt' | 'notifyResult'>): Promise<void>;
  /** Removes a child site; false when there is none with that code. */
  removeChildSite(siteCode: string): Promise<boolean>;
  listChildSites(): Promise<ChildSiteRecord[]>;
  /** Records a notification sent to a child; unknown codes are ignored. */
  recordChildNotification(siteCode: string, at: string, result: string): Promise<void>;
}

/** The site's settings, or STORE_NOT_INITIALIZED when the database holds no site. */
export async function requireSettings(store: Pick<SiteStore, 'getSettings'>): Promise<SupSettings> {
  const s = await store.getSettings();
  if (s === undefined)
    throw new SupsyncError('STORE_NOT_INITIALIZED', 'the database holds no site; run supsync init first');
  return s;
}
