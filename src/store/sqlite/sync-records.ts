/**
 * Sync bookkeeping: per-upstream sync state (anchors), sync runs and status messages.
 */
import { SupsyncError } from '../../shared/errors.ts';
import type {
  StatusMessage,
  SyncLease,
  SyncRunPatch,
  SyncRunRecord,
  SyncState,
  SyncStatePatch,
} from '../site-store.ts';
import { applyPatch, columnList, type FieldSpec, fromRow, namedParams, toParams } from './row-mapping.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const STATE_FIELDS: readonly FieldSpec[] = [
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

const RUN_FIELDS: readonly FieldSpec[] = [
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
const RUN_READ: readonly FieldSpec[] = [{ key: 'id', column: 'id' }, ...RUN_FIELDS];

const MESSAGE_FIELDS: readonly FieldSpec[] = [
  { key: 'id', column: 'id' },
  { key: 'runId', column: 'run_id' },
  { key: 'messageId', column: 'message_id' },
  { key: 'severity', column: 'severity' },
  { key: 'time', column: 'time' },
  { key: 'text', column: 'text' },
];

const LEASE_FIELDS: readonly FieldSpec[] = [
  { key: 'holder', column: 'holder' },
  { key: 'pid', column: 'pid' },
  { key: 'host', column: 'host' },
  { key: 'runId', column: 'run_id' },
  { key: 'acquiredAt', column: 'acquired_at' },
  { key: 'renewedAt', column: 'renewed_at' },
];

const SQL = {
  getState: `SELECT ${columnList(STATE_FIELDS)} FROM sync_state WHERE upstream_url = ?`,
  putState: `INSERT OR REPLACE INTO sync_state (${columnList(STATE_FIELDS)}) VALUES (${namedParams(STATE_FIELDS)})`,
  insertRun: `INSERT INTO sync_runs (${columnList(RUN_FIELDS)}) VALUES (${namedParams(RUN_FIELDS)})`,
  updateRun: `UPDATE sync_runs SET ${RUN_FIELDS.map((f) => `${f.column} = @${f.column}`).join(', ')} WHERE id = @id`,
  getRun: `SELECT ${columnList(RUN_READ)} FROM sync_runs WHERE id = ?`,
  listRuns: `SELECT ${columnList(RUN_READ)} FROM sync_runs ORDER BY id DESC LIMIT ?`,
  insertMessage: `INSERT INTO status_messages (run_id, message_id, severity, time, text)
    VALUES (@run_id, @message_id, @severity, @time, @text)`,
  listMessages: `SELECT ${columnList(MESSAGE_FIELDS)} FROM status_messages ORDER BY id DESC LIMIT ?`,
  getLease: `SELECT ${columnList(LEASE_FIELDS)} FROM sync_lease WHERE id = 1`,
  putLease: `INSERT OR REPLACE INTO sync_lease (id, ${columnList(LEASE_FIELDS)}) VALUES (1, ${namedParams(LEASE_FIELDS)})`,
  renewLease: 'UPDATE sync_lease SET renewed_at = ? WHERE id = 1 AND holder = ?',
  releaseLease: 'DELETE FROM sync_lease WHERE id = 1 AND holder = ?',
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;

function limitOf(limit: number): number {
  return Math.max(0, Math.trunc(limit));
}

export class SyncRecords {
  readonly #s: Prepared;

  constructor(db: SqliteDb) {
    this.#s = prepareAll(db, SQL);
  }

  getSyncState(upstreamUrl: string): SyncState | undefined {
    const row = this.#s.getState.get(upstreamUrl) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : (fromRow(STATE_FIELDS, row) as unknown as SyncState);
  }

  /** Read-modify-write; must run inside a write transaction. Creates the row on first use. */
  patchSyncState(upstreamUrl: string, patch: SyncStatePatch): void {
    const current = this.getSyncState(upstreamUrl) ?? { upstreamUrl };
    const next = { ...applyPatch(current, patch), upstreamUrl };
    this.#s.putState.run(toParams(STATE_FIELDS, next));
  }

  createRun(run: Omit<SyncRunRecord, 'id'>): SyncRunRecord {
    const id = Number(this.#s.insertRun.run(toParams(RUN_FIELDS, run)).lastInsertRowid);
    return this.#mustGetRun(id);
  }

  updateRun(id: number, patch: SyncRunPatch): SyncRunRecord {
    const next = { ...this.#mustGetRun(id), ...patch };
    this.#s.updateRun.run({ ...toParams(RUN_FIELDS, next), id });
    return this.#mustGetRun(id);
  }

  getRun(id: number): SyncRunRecord | undefined {
    const row = this.#s.getRun.get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : (fromRow(RUN_READ, row) as unknown as SyncRunRecord);
  }

  listRuns(limit: number): SyncRunRecord[] {
    return (this.#s.listRuns.all(limitOf(limit)) as Record<string, unknown>[]).map(
      (r) => fromRow(RUN_READ, r) as unknown as SyncRunRecord,
    );
  }

  addStatusMessage(message: Omit<StatusMessage, 'id'>): StatusMessage {
    const params = { ...toParams(MESSAGE_FIELDS, message) };
    delete params.id;
    const id = Number(this.#s.insertMessage.run(params).lastInsertRowid);
    return { ...message, id };
  }

  listStatusMessages(limit: number): StatusMessage[] {
    return (this.#s.listMessages.all(limitOf(limit)) as Record<string, unknown>[]).map(
      (r) => fromRow(MESSAGE_FIELDS, r) as unknown as StatusMessage,
    );
  }

  getSyncLease(): SyncLease | undefined {
    const row = this.#s.getLease.get() as Record<string, unknown> | undefined;
    return row === undefined ? undefined : (fromRow(LEASE_FIELDS, row) as unknown as SyncLease);
  }

  /** Must run inside a write transaction, so the check and the take are one step. */
  acquireSyncLease(lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): SyncLease {
    const current = this.getSyncLease();
    if (current !== undefined && current.holder !== lease.holder && !canTakeOver(current)) return current;
    this.#s.putLease.run(toParams(LEASE_FIELDS, lease));
    return lease;
  }

  renewSyncLease(holder: string, at: string): boolean {
    return this.#s.renewLease.run(at, holder).changes > 0;
  }

  releaseSyncLease(holder: string): void {
    this.#s.releaseLease.run(holder);
  }

  #mustGetRun(id: number): SyncRunRecord {
    const run = this.getRun(id);
    if (run === undefined) throw new SupsyncError('NOT_FOUND', `sync run ${id} does not exist`);
    return run;
  }
}
