/**
 * The part of node-postgres the PostgreSQL adapter uses: a pool of reading connections, one writing
 * connection, transactions on them, and the mapping of what the driver throws to the store's error
 * codes. The only module that imports `pg`.
 *
 * Writes are serialised twice over, as SQLite's single writer serialises them: in this process by a
 * queue on the one writing connection (which also keeps the session's temp tables), and across
 * processes by a transaction-level advisory lock keyed by the site's schema. So the adapter's write
 * transactions see the same one-at-a-time world as SQLite's IMMEDIATE transactions, and a read-then-
 * write such as taking the sync lease needs no retry loop. Reads run on the pool, each in one
 * REPEATABLE READ transaction, so a multi-statement read sees one snapshot.
 */
import pg from 'pg';
import { SupsyncError } from '../../shared/errors.ts';

export interface PgResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** A connection inside a transaction. Parameters are `$1, $2, …`. */
export interface PgTx {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<PgResult<R>>;
}

/** Where a site lives: a PostgreSQL URL, with the site's schema as the `schema` query parameter. */
export interface PgLocation {
  /** The URL as given to node-postgres (without `schema`). */
  readonly connectionString: string;
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** True for a URL naming a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Splits `postgres://user@host:5432/db?schema=site_cs1` into the connection string and the schema
 * (default `supsync`). Throws CONFIG_INVALID for a schema name PostgreSQL would need quoted.
 */
export function parsePgLocation(url: string): PgLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SupsyncError('CONFIG_INVALID', `not a PostgreSQL URL: ${url}`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'supsync';
  if (!SCHEMA_NAME.test(schema)) {
    throw new SupsyncError('CONFIG_INVALID', `schema must be lower-case letters, digits and _: ${schema}`);
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

// BIGINT (int8) columns come back as numbers: every one of ours (ids, sequence numbers, counts)
// stays far below 2^53.
const INT8_OID = 20;
const TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
};

/** A 32-bit key for the site's write lock, from its schema name. */
function lockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const ch of `supsync:${schema}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

export class PgDatabase {
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #writer: pg.Client;
  readonly #lockKey: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(location: PgLocation, writer: pg.Client, pool: pg.Pool) {
    this.schema = location.schema;
    this.#writer = writer;
    this.#pool = pool;
    this.#lockKey = lockKey(location.schema);
  }

  /**
   * Connects the writing connection (creating the schema if needed, unless `createSchema` is false)
   * and a pool of up to `maxReaders` reading ones, all with the site's schema as their search path.
   */
  static async connect(location: PgLocation, createSchema = true, maxReaders = 4): Promise<PgDatabase> {
    const config = {
      connectionString: location.connectionString,
      // jit off: the planner overestimates the rows of the filtered downstream list, and compiling
      // it just in time added ~1.3 s to a query that takes 0.33 s without (150k updates).
      options: `-c search_path=${location.schema} -c jit=off`,
      types: TYPES,
      application_name: 'supsync',
    };
    const writer = new pg.Client(config);
    // A connection that dies while idle emits 'error'; the next query on it fails with STORE_IO.
    writer.on('error', () => {});
    try {
      await writer.connect();
      if (createSchema) await writer.query(`CREATE SCHEMA IF NOT EXISTS ${location.schema}`);
    } catch (err) {
      await writer.end().catch(() => {});
      throw toStoreError(err, `cannot open database ${redactUrl(location.connectionString)}`);
    }
    const pool = new pg.Pool({ ...config, max: maxReaders, idleTimeoutMillis: 30_000 });
    pool.on('error', () => {});
    return new PgDatabase(location, writer, pool);
  }

  /** Runs `sql` on the writing connection outside any transaction (session set-up: temp tables). */
  async session(context: string, sql: string): Promise<void> {
    await this.#serialised(async () => {
      try {
        await this.#writer.query(sql);
      } catch (err) {
        throw toStoreError(err, `${context} failed`);
      }
    });
  }

  /** A read in one REPEATABLE READ, READ ONLY transaction on a pooled connection. */
  async read<T>(context: string, fn: (tx: PgTx) => Promise<T>): Promise<T> {
    this.#assertOpen(context);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw toStoreError(err, `${context} failed`);
    }
    try {
      return await inTransaction(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn, context);
    } finally {
      client.release();
    }
  }

  /** A write in one transaction on the writing connection, holding the site's write lock. */
  async write<T>(context: string, fn: (tx: PgTx) => Promise<T>): Promise<T> {
    this.#assertOpen(context);
    return this.#serialised(() =>
      inTransaction(
        this.#writer,
        'BEGIN',
        async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [this.#lockKey]);
          return fn(tx);
        },
        context,
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => {});
    await Promise.allSettled([this.#writer.end(), this.#pool.end()]);
  }

  #assertOpen(context: string): void {
    if (this.#closed) throw new SupsyncError('STORE_IO', `${context} failed: the store is closed`);
  }

  #serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }
}

async function inTransaction<T>(
  client: pg.ClientBase,
  begin: string,
  fn: (tx: PgTx) => Promise<T>,
  context: string,
): Promise<T> {
  const tx: PgTx = {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
  };
  try {
    await client.query(begin);
    const result = await fn(tx);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw toStoreError(err, `${context} failed`);
  }
}

/** True for errors raised by the PostgreSQL server or the connection to it. */
export function isPgError(err: unknown): err is Error & { code?: string } {
  if (err instanceof pg.DatabaseError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    (typeof code === 'string' && /^E[A-Z]+$/.test(code)) ||
    /Connection terminated|Client has encountered a connection error|not queryable/i.test(err.message)
  );
}

/**
 * Maps what the driver throws to the store's error codes, as the SQLite adapter does: server and
 * connection errors become STORE_IO, SupsyncErrors pass through, anything else is a programming
 * error and is rethrown untouched.
 */
export function toStoreError(err: unknown, context: string): unknown {
  if (err instanceof SupsyncError) return err;
  if (isPgError(err)) {
    const code = err.code === undefined ? '' : ` (${err.code})`;
    return new SupsyncError('STORE_IO', `${context}: ${err.message}${code}`, { cause: err });
  }
  return err;
}
