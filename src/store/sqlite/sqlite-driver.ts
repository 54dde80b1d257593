/**
 * The part of better-sqlite3 the SQLite adapter uses, described by the subset it calls (so the rest
 * of the adapter codes against three small interfaces, not the vendor's types), plus opening a
 * connection with the pragmas every supsync connection needs. The only module that imports the
 * driver.
 */
import Database from 'better-sqlite3';
import { SupsyncError } from '../../shared/errors.ts';

export interface SqliteRunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement; parameters are numbers, strings, bigints, buffers or null (never booleans). */
export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows one at a time, for scans too large to hold as one array. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** A function wrapped in a transaction; `immediate` takes the write lock up front (BEGIN IMMEDIATE). */
export interface SqliteTransaction<T> {
  (): T;
  immediate(): T;
}

export interface SqliteDb {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple: boolean }): unknown;
  transaction<T>(fn: () => T): SqliteTransaction<T>;
  close(): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

/** Prepares every statement of a name -> SQL map once, for reuse across calls. */
export function prepareAll<K extends string>(
  db: SqliteDb,
  sql: Readonly<Record<K, string>>,
): Record<K, SqliteStatement> {
  const out = {} as Record<K, SqliteStatement>;
  for (const key of Object.keys(sql) as K[]) out[key] = db.prepare(sql[key]);
  return out;
}

export interface OpenOptions {
  readonly readonly?: boolean;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens a connection: WAL (readers never block the writer), synchronous=NORMAL (durable at
 * checkpoints, safe against corruption in WAL mode), foreign keys, a busy timeout. Read-only
 * connections leave the journal mode alone because changing it is a write.
 */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDb {
  const readonly = options.readonly === true;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 5000 });
    if (!readonly) {
      // 8 KiB pages for a new database (an existing one keeps its own): update documents of a few KB
      // span fewer overflow pages and each commit writes fewer WAL frames. Storing 20,000 generated
      // revisions as a sync phase does took 5.8 s against 7.4 s with 4 KiB pages
      // (bench/results/store-options.json). Must come before the first write, which fixes it.
      db.pragma('page_size = 8192');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A sync batch writes a few MB of documents and derived rows; checkpointing every ~80 MiB
      // instead of every 4 MiB copies pages rewritten by several batches once (a 30k-update first
      // full sync went from ~31 s to ~28 s in one-off runs of bench/sync.ts, not kept). The WAL is
      // on disk, not in memory, and is written from its start again after each checkpoint. Counted
      // in pages: 10,000 8 KiB pages.
      db.pragma('wal_autocheckpoint = 10000');
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // Derived-table refreshes use small temp tables; keep them off disk.
    db.pragma('temp_store = MEMORY');
    // 16 MiB of page cache: a 30k-update first full sync took as long as with 64 MiB (23-30 s either
    // way on the same machine, noisy) while peaking ~55 MB lower in RSS (one-off runs of
    // bench/sync.ts, not kept).
    db.pragma('cache_size = -16384');
    return db;
  } catch (err) {
    db?.close();
    throw toStoreError(err, `cannot open database ${path}`);
  }
}

/** True for errors raised by SQLite itself (constraint, busy, I/O, corrupt...). */
export function isSqliteError(err: unknown): err is Error & { code: string } {
  return err instanceof Database.SqliteError;
}

/**
 * Maps what the driver throws to the store's error codes: SQLite errors become STORE_IO (the
 * database could not be read or written as asked), SupsyncErrors pass through, anything else is a
 * programming error and is rethrown untouched.
 */
export function toStoreError(err: unknown, context: string): unknown {
  if (err instanceof SupsyncError) return err;
  if (isSqliteError(err) || (err instanceof TypeError && /SQLite3|database/i.test(err.message))) {
    const code = isSqliteError(err) ? ` (${err.code})` : '';
    return new SupsyncError('STORE_IO', `${context}: ${err.message}${code}`, { cause: err });
  }
  return err;
}
