/**
 * Sync bookkeeping: per-upstream sync state (anchors), sync runs and status messages.
 */
import {
  LEASE_FIELDS,
  leaseFromRow,
  MESSAGE_FIELDS,
  MESSAGE_READ,
  mayTakeLease,
  messageFromRow,
  patchedRun,
  patchedSyncState,
  RUN_FIELDS,
  RUN_READ,
  rowLimit,
  runFromRow,
  runNotFound,
  STATE_FIELDS,
  syncStateFromRow,
} from '../record-columns.ts';
import { columnList, namedParams, toParams } from '../row-mapping.ts';
import type {
  StatusMessage,
  SyncLease,
  SyncRunPatch,
  SyncRunRecord,
  SyncState,
  SyncStatePatch,
} from '../site-store.ts';
import { prepareAll, type SqliteDb, type SqliteStatement } from './sqlite-driver.ts';

const SQL = {
  getState: `SELECT ${columnList(STATE_FIELDS)} FROM sync_state WHERE upstream_url = ?`,
  putState: `INSERT OR REPLACE INTO sync_state (${columnList(STATE_FIELDS)}) VALUES (${namedParams(STATE_FIELDS)})`,
  insertRun: `INSERT INTO sync_runs (${columnList(RUN_FIELDS)}) VALUES (${namedParams(RUN_FIELDS)})`,
  updateRun: `UPDATE sync_runs SET ${RUN_FIELDS.map((f) => `${f.column} = @${f.column}`).join(', ')} WHERE id = @id`,
  getRun: `SELECT ${columnList(RUN_READ)} FROM sync_runs WHERE id = ?`,
  listRuns: `SELECT ${columnList(RUN_READ)} FROM sync_runs ORDER BY id DESC LIMIT ?`,
  insertMessage: `INSERT INTO status_messages (${columnList(MESSAGE_FIELDS)}) VALUES (${namedParams(MESSAGE_FIELDS)})`,
  listMessages: `SELECT ${columnList(MESSAGE_READ)} FROM status_messages ORDER BY id DESC LIMIT ?`,
  getLease: `SELECT ${columnList(LEASE_FIELDS)} FROM sync_lease WHERE id = 1`,
  putLease: `INSERT OR REPLACE INTO sync_lease (id, ${columnList(LEASE_FIELDS)}) VALUES (1, ${namedParams(LEASE_FIELDS)})`,
  renewLease: 'UPDATE sync_lease SET renewed_at = ? WHERE id = 1 AND holder = ?',
  releaseLease: 'DELETE FROM sync_lease WHERE id = 1 AND holder = ?',
} as const;

type Prepared = Record<keyof typeof SQL, SqliteStatement>;
type Row = Record<string, unknown>;

export class SyncRecords {
  readonly #s: Prepared;

  constructor(db: SqliteDb) {
    this.#s = prepareAll(db, SQL);
  }

  getSyncState(upstreamUrl: string): SyncState | undefined {
    const row = this.#s.getState.get(upstreamUrl) as Row | undefined;
    return row === undefined ? undefined : syncStateFromRow(row);
  }

  /** Read-modify-write; must run inside a write transaction. Creates the row on first use. */
  patchSyncState(upstreamUrl: string, patch: SyncStatePatch): void {
    const next = patchedSyncState(this.getSyncState(upstreamUrl), upstreamUrl, patch);
    this.#s.putState.run(toParams(STATE_FIELDS, next));
  }

  createRun(run: Omit<SyncRunRecord, 'id'>): SyncRunRecord {
    const id = Number(this.#s.insertRun.run(toParams(RUN_FIELDS, run)).lastInsertRowid);
    return this.#mustGetRun(id);
  }

  updateRun(id: number, patch: SyncRunPatch): SyncRunRecord {
    const next = patchedRun(this.#mustGetRun(id), patch);
    this.#s.updateRun.run({ ...toParams(RUN_FIELDS, next), id });
    return this.#mustGetRun(id);
  }

  getRun(id: number): SyncRunRecord | undefined {
    const row = this.#s.getRun.get(id) as Row | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  listRuns(limit: number): SyncRunRecord[] {
    return (this.#s.listRuns.all(rowLimit(limit)) as Row[]).map(runFromRow);
  }

  addStatusMessage(message: Omit<StatusMessage, 'id'>): StatusMessage {
    const id = Number(this.#s.insertMessage.run(toParams(MESSAGE_FIELDS, message)).lastInsertRowid);
    return { ...message, id };
  }

  listStatusMessages(limit: number): StatusMessage[] {
    return (this.#s.listMessages.all(rowLimit(limit)) as Row[]).map(messageFromRow);
  }

  getSyncLease(): SyncLease | undefined {
    const row = this.#s.getLease.get() as Row | undefined;
    return row === undefined ? undefined : leaseFromRow(row);
  }

  /** Must run inside a write transaction, so the check and the take are one step. */
  acquireSyncLease(lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): SyncLease {
    const current = this.getSyncLease();
    if (current !== undefined && !mayTakeLease(current, lease, canTakeOver)) return current;
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
    if (run === undefined) throw runNotFound(id);
    return run;
  }
}
