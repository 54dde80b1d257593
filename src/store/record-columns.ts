/**
 * The bookkeeping tables (site row, sync state, runs, status messages, lease, tokens, audit, alerts,
 * child sites) as every adapter sees them: which column holds which field, and the pure record <->
 * row steps around the SQL (settings and checkpoint held as JSON, the merge behind a patch, when a
 * lease may be taken, the errors for a missing site or run). Only the SQL differs between adapters,
 * so what is stored and what a read returns is decided here, once.
 */
import { SupsyncError } from '../shared/errors.ts';
import type { SupSettings } from '../site/settings.ts';
import { applyPatch, type FieldSpec, fromRow } from './row-mapping.ts';
import type {
  AlertRecord,
  ApiTokenRecord,
  AuditRecord,
  ChildSiteRecord,
  ExpiryCheckpoint,
  StatusMessage,
  SyncLease,
  SyncRunPatch,
  SyncRunRecord,
  SyncState,
  SyncStatePatch,
} from './site-store.ts';

type Row = Record<string, unknown>;

// `token_hash` is written, never read back: a token record does not carry it.
export const TOKEN_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'name', column: 'name' },
  { key: 'role', column: 'role' },
  { key: 'createdAt', column: 'created_at' },
  { key: 'lastUsedAt', column: 'last_used_at' },
];

export const AUDIT_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'time', column: 'time' },
  { key: 'actor', column: 'actor' },
  { key: 'action', column: 'action' },
  { key: 'details', column: 'details', json: true },
];

export const ALERT_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'kind', column: 'kind' },
  { key: 'state', column: 'state' },
  { key: 'raisedAt', column: 'raised_at' },
  { key: 'canceledAt', column: 'canceled_at' },
  { key: 'message', column: 'message' },
  { key: 'runId', column: 'run_id' },
];

export const CHILD_FIELDS: readonly FieldSpec[] = [
  { key: 'siteCode', column: 'site_code' },
  { key: 'url', column: 'url' },
  { key: 'token', column: 'token' },
  { key: 'addedAt', column: 'added_at' },
  { key: 'notifiedAt', column: 'notified_at' },
  { key: 'notifyResult', column: 'notify_result' },
];

/** The key column first: adapters upsert on it and overwrite the rest. */
export const STATE_FIELDS: readonly FieldSpec[] = [
  { key: 'upstreamUrl', column: 'upstream_url' },
  { key: 'configAnchor', column: 'config_anchor' },
  { key: 'categoryAnchor', column: 'category_anchor' },
  { key: 'updateAnchor', column: 'update_anchor' },
  { key: 'anchorProducts', column: 'anchor_products', json: true },
  { key: 'anchorClassifications', column: 'anchor_classifications', json: true },
  { key: 'fingerprint', column: 'fingerprint' },
  { key: 'serverConfig', column: 'server_config', json: true },
  { key: 'lastFullSyncAt', column: 'last_full_sync_at' },
  { key: 'lastSuccessAt', column: 'last_success_at' },
];

/** What a run's insert and update write; the database assigns the id. */
export const RUN_FIELDS: readonly FieldSpec[] = [
  { key: 'kind', column: 'kind' },
  { key: 'reason', column: 'reason' },
  { key: 'trigger', column: 'trigger' },
  { key: 'requestedBy', column: 'requested_by' },
  { key: 'state', column: 'state' },
  { key: 'queuedAt', column: 'queued_at' },
  { key: 'startedAt', column: 'started_at' },
  { key: 'finishedAt', column: 'finished_at' },
  { key: 'categories', column: 'categories', json: true },
  { key: 'updates', column: 'updates', json: true },
  { key: 'errorCode', column: 'error_code' },
  { key: 'errorMessage', column: 'error_message' },
  { key: 'catalogVersion', column: 'catalog_version' },
  { key: 'upstreamUrl', column: 'upstream_url' },
];
export const RUN_READ: readonly FieldSpec[] = [{ key: 'id', column: 'id' }, ...RUN_FIELDS];

/** What a status message's insert writes; the database assigns the id. */
export const MESSAGE_FIELDS: readonly FieldSpec[] = [
  { key: 'runId', column: 'run_id' },
  { key: 'messageId', column: 'message_id' },
  { key: 'severity', column: 'severity' },
  { key: 'time', column: 'time' },
  { key: 'text', column: 'text' },
];
export const MESSAGE_READ: readonly FieldSpec[] = [{ key: 'id', column: 'id' }, ...MESSAGE_FIELDS];

/** The lease row's fields; the row itself is the single one with id 1. */
export const LEASE_FIELDS: readonly FieldSpec[] = [
  { key: 'holder', column: 'holder' },
  { key: 'pid', column: 'pid' },
  { key: 'host', column: 'host' },
  { key: 'runId', column: 'run_id' },
  { key: 'acquiredAt', column: 'acquired_at' },
  { key: 'renewedAt', column: 'renewed_at' },
];

export const tokenFromRow = (row: Row): ApiTokenRecord => fromRow(TOKEN_FIELDS, row) as unknown as ApiTokenRecord;
export const alertFromRow = (row: Row): AlertRecord => fromRow(ALERT_FIELDS, row) as unknown as AlertRecord;
export const childFromRow = (row: Row): ChildSiteRecord => fromRow(CHILD_FIELDS, row) as unknown as ChildSiteRecord;
export const syncStateFromRow = (row: Row): SyncState => fromRow(STATE_FIELDS, row) as unknown as SyncState;
export const runFromRow = (row: Row): SyncRunRecord => fromRow(RUN_READ, row) as unknown as SyncRunRecord;
export const messageFromRow = (row: Row): StatusMessage => fromRow(MESSAGE_READ, row) as unknown as StatusMessage;
export const leaseFromRow = (row: Row): SyncLease => fromRow(LEASE_FIELDS, row) as unknown as SyncLease;

/** `details` may legitimately be JSON null; fromRow drops NULL columns only, so restore it. */
export function auditFromRow(row: Row): AuditRecord {
  return { details: null, ...fromRow(AUDIT_FIELDS, row) } as unknown as AuditRecord;
}

/** The audit `details` column: JSON, with an absent value stored as JSON null (the column is NOT NULL). */
export function auditDetailsColumn(record: Omit<AuditRecord, 'id'>): string {
  return JSON.stringify(record.details ?? null);
}

export function settingsColumn(settings: SupSettings): string {
  return JSON.stringify(settings);
}

export function settingsFromColumn(text: string): SupSettings {
  return JSON.parse(text) as SupSettings;
}

/** Only the checkpoint's own fields are stored, whatever else the object carries. */
export function checkpointColumn(checkpoint: ExpiryCheckpoint): string {
  const { seq, rules, nextDueAt } = checkpoint;
  return JSON.stringify({ seq, rules, nextDueAt });
}

/** An unreadable checkpoint counts as none: the rules then simply run again. */
export function checkpointFromColumn(text: string | null | undefined): ExpiryCheckpoint | undefined {
  if (text == null) return undefined;
  try {
    const c = JSON.parse(text) as Partial<ExpiryCheckpoint>;
    const valid =
      typeof c.seq === 'number' &&
      typeof c.rules === 'string' &&
      (c.nextDueAt === null || typeof c.nextDueAt === 'string');
    return valid ? (c as ExpiryCheckpoint) : undefined;
  } catch {
    return undefined;
  }
}

/** The whole state after `patch` (undefined keeps, null clears); a first patch starts from nothing. */
export function patchedSyncState(
  current: SyncState | undefined,
  upstreamUrl: string,
  patch: SyncStatePatch,
): SyncState {
  return { ...applyPatch(current ?? { upstreamUrl }, patch), upstreamUrl } as SyncState;
}

/** The whole run after `patch`; every column is rewritten from it. */
export function patchedRun(current: SyncRunRecord, patch: SyncRunPatch): SyncRunRecord {
  return { ...current, ...patch };
}

/** Whether `lease` may replace `current`: nobody holds it, its holder asks again, or the holder is gone. */
export function mayTakeLease(
  current: SyncLease | undefined,
  lease: SyncLease,
  canTakeOver: (current: SyncLease) => boolean,
): boolean {
  return current === undefined || current.holder === lease.holder || canTakeOver(current);
}

/** A list limit as a row count: whole, not negative, and within what any database binds. */
export function rowLimit(limit: number): number {
  return Math.min(Math.max(0, Math.trunc(limit)), Number.MAX_SAFE_INTEGER);
}

/**
 * Whether `id` can name a row at all. Ids are safe integers; anything else (a fraction, 1e20 from
 * a request) names none, as SQLite finds none, where PostgreSQL would reject it as not a BIGINT.
 */
export function isRowId(id: number): boolean {
  return Number.isSafeInteger(id);
}

export function notInitialized(): SupsyncError {
  return new SupsyncError('STORE_NOT_INITIALIZED', 'the database holds no site; run supsync init first');
}

export function alreadyInitialized(): SupsyncError {
  return new SupsyncError('STORE_ALREADY_INITIALIZED', 'the database already holds a site');
}

export function runNotFound(id: number): SupsyncError {
  return new SupsyncError('NOT_FOUND', `sync run ${id} does not exist`);
}
