/**
 * Sync bookkeeping: per-upstream sync state (anchors), sync runs, status messages and the sync
 * lease: ../sqlite/sync-records.ts in PostgreSQL's SQL, with the columns and row mapping shared
 * through ../record-columns.ts. Parameters are positional, in the order of the field specs.
 */
import {
  isRowId,
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
import { columnList, type FieldSpec, positionalParams, toValues } from '../row-mapping.ts';
import type {
  StatusMessage,
  SyncLease,
  SyncRunPatch,
  SyncRunRecord,
  SyncState,
  SyncStatePatch,
} from '../site-store.ts';
import type { PgTx } from './pg-driver.ts';

/** `column = excluded.column` for each spec: the upsert that stands in for SQLite's INSERT OR REPLACE. */
function replaceAll(specs: readonly FieldSpec[]): string {
  return specs.map((f) => `${f.column} = excluded.${f.column}`).join(', ');
}

const STATE_KEY = STATE_FIELDS.slice(0, 1);
const STATE_REST = STATE_FIELDS.slice(1);

const SQL = {
  getState: `SELECT ${columnList(STATE_FIELDS)} FROM sync_state WHERE upstream_url = $1`,
  putState: `INSERT INTO sync_state (${columnList(STATE_FIELDS)}) VALUES (${positionalParams(STATE_FIELDS)})
    ON CONFLICT (${columnList(STATE_KEY)}) DO UPDATE SET ${replaceAll(STATE_REST)}`,
  insertRun: `INSERT INTO sync_runs (${columnList(RUN_FIELDS)}) VALUES (${positionalParams(RUN_FIELDS)})
    RETURNING ${columnList(RUN_READ)}`,
  // The id is the parameter after the fields.
  updateRun: `UPDATE sync_runs SET ${RUN_FIELDS.map((f, i) => `${f.column} = $${i + 1}`).join(', ')}
    WHERE id = $${RUN_FIELDS.length + 1} RETURNING ${columnList(RUN_READ)}`,
  getRun: `SELECT ${columnList(RUN_READ)} FROM sync_runs WHERE id = $1`,
  listRuns: `SELECT ${columnList(RUN_READ)} FROM sync_runs ORDER BY id DESC LIMIT $1`,
  insertMessage: `INSERT INTO status_messages (${columnList(MESSAGE_FIELDS)}) VALUES (${positionalParams(MESSAGE_FIELDS)})
    RETURNING id`,
  listMessages: `SELECT ${columnList(MESSAGE_READ)} FROM status_messages ORDER BY id DESC LIMIT $1`,
  getLease: `SELECT ${columnList(LEASE_FIELDS)} FROM sync_lease WHERE id = 1`,
  putLease: `INSERT INTO sync_lease (id, ${columnList(LEASE_FIELDS)}) VALUES (1, ${positionalParams(LEASE_FIELDS)})
    ON CONFLICT (id) DO UPDATE SET ${replaceAll(LEASE_FIELDS)}`,
  renewLease: 'UPDATE sync_lease SET renewed_at = $1 WHERE id = 1 AND holder = $2',
  releaseLease: 'DELETE FROM sync_lease WHERE id = 1 AND holder = $1',
} as const;

type Row = Record<string, unknown>;

export class PgSyncRecords {
  async getSyncState(tx: PgTx, upstreamUrl: string): Promise<SyncState | undefined> {
    const { rows } = await tx.query<Row>(SQL.getState, [upstreamUrl]);
    return rows[0] === undefined ? undefined : syncStateFromRow(rows[0]);
  }

  /** Read-modify-write; must run inside a write transaction. Creates the row on first use. */
  async patchSyncState(tx: PgTx, upstreamUrl: string, patch: SyncStatePatch): Promise<void> {
    const next = patchedSyncState(await this.getSyncState(tx, upstreamUrl), upstreamUrl, patch);
    await tx.query(SQL.putState, toValues(STATE_FIELDS, next));
  }

  async createRun(tx: PgTx, run: Omit<SyncRunRecord, 'id'>): Promise<SyncRunRecord> {
    const { rows } = await tx.query<Row>(SQL.insertRun, toValues(RUN_FIELDS, run));
    return runFromRow(rows[0] as Row);
  }

  async updateRun(tx: PgTx, id: number, patch: SyncRunPatch): Promise<SyncRunRecord> {
    const current = await this.getRun(tx, id);
    if (current === undefined) throw runNotFound(id);
    const { rows } = await tx.query<Row>(SQL.updateRun, [...toValues(RUN_FIELDS, patchedRun(current, patch)), id]);
    return runFromRow(rows[0] as Row);
  }

  async getRun(tx: PgTx, id: number): Promise<SyncRunRecord | undefined> {
    if (!isRowId(id)) return undefined;
    const { rows } = await tx.query<Row>(SQL.getRun, [id]);
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  async listRuns(tx: PgTx, limit: number): Promise<SyncRunRecord[]> {
    return (await tx.query<Row>(SQL.listRuns, [rowLimit(limit)])).rows.map(runFromRow);
  }

  async addStatusMessage(tx: PgTx, message: Omit<StatusMessage, 'id'>): Promise<StatusMessage> {
    const { rows } = await tx.query<{ id: number }>(SQL.insertMessage, toValues(MESSAGE_FIELDS, message));
    return { ...message, id: (rows[0] as { id: number }).id };
  }

  async listStatusMessages(tx: PgTx, limit: number): Promise<StatusMessage[]> {
    return (await tx.query<Row>(SQL.listMessages, [rowLimit(limit)])).rows.map(messageFromRow);
  }

  async getSyncLease(tx: PgTx): Promise<SyncLease | undefined> {
    const { rows } = await tx.query<Row>(SQL.getLease);
    return rows[0] === undefined ? undefined : leaseFromRow(rows[0]);
  }

  /**
   * Must run inside a write transaction: it holds the site's write lock (see pg-driver.ts), so the
   * check and the take are one step, as in SQLite.
   */
  async acquireSyncLease(tx: PgTx, lease: SyncLease, canTakeOver: (current: SyncLease) => boolean): Promise<SyncLease> {
    const current = await this.getSyncLease(tx);
    if (current !== undefined && !mayTakeLease(current, lease, canTakeOver)) return current;
    await tx.query(SQL.putLease, toValues(LEASE_FIELDS, lease));
    return lease;
  }

  async renewSyncLease(tx: PgTx, holder: string, at: string): Promise<boolean> {
    return (await tx.query(SQL.renewLease, [at, holder])).rowCount > 0;
  }

  async releaseSyncLease(tx: PgTx, holder: string): Promise<void> {
    await tx.query(SQL.releaseLease, [holder]);
  }
}
