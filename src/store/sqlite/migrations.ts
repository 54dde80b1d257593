/**
 * Append-only schema migrations with a ledger (`schema_migrations`). Pending migrations run in one
 * BEGIN IMMEDIATE transaction, so two processes never migrate at once and a failure leaves the
 * database as it was. A database migrated by a newer supsync is refused before anything is written.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { refuseNewerSchema } from '../schema-guard.ts';
import { SCHEMA_V1 } from './schema-v1.ts';
import type { SqliteDb } from './sqlite-driver.ts';

export interface Migration {
  /** 1, 2, 3, … without gaps; never renumbered once released. */
  readonly version: number;
  readonly name: string;
  readonly up: (db: SqliteDb) => void;
}

/** Every migration this supsync knows, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'initial-schema', up: (db: SqliteDb) => void db.exec(SCHEMA_V1) },
  {
    version: 2,
    name: 'live-superseded-index',
    // The superseded updates not expired yet: all the supersedence rules read after each sync.
    up: (db: SqliteDb) =>
      void db.exec(
        'CREATE INDEX updates_superseded_live ON updates (update_id) WHERE is_superseded = 1 AND is_expired = 0',
      ),
  },
  {
    version: 3,
    name: 'deferred-derived',
    // Marks of catalog writes whose derived tables are not refreshed yet (see derived-refresh.ts),
    // and the change sequence served downstream, which only moves when they are.
    up: (db: SqliteDb) =>
      void db.exec(`
        CREATE TABLE derived_pending (
          id INTEGER PRIMARY KEY,
          kind INTEGER NOT NULL,
          update_id TEXT NOT NULL
        ) STRICT;
        ALTER TABLE change_counter ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
        UPDATE change_counter SET published = seq;`),
  },
  {
    version: 4,
    name: 'expiry-checkpoint',
    // When the supersedence rules last ran, on what, and when they next have something to do.
    up: (db: SqliteDb) => void db.exec('ALTER TABLE site ADD COLUMN expiry_checkpoint TEXT'),
  },
  {
    version: 5,
    name: 'sync-lease',
    // The process synchronizing the site, so two processes never sync it at once.
    up: (db: SqliteDb) =>
      void db.exec(`
        CREATE TABLE sync_lease (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          holder TEXT NOT NULL,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          run_id INTEGER NOT NULL,
          acquired_at TEXT NOT NULL,
          renewed_at TEXT NOT NULL
        ) STRICT`),
  },
  {
    version: 6,
    name: 'drop-localized',
    // Every language's title and description of each update, which no query ever read: a site shows
    // the summary's text, and a revision's other languages are in its stored facts. A first full
    // sync wrote 28 MB of it per 20,000 updates.
    up: (db: SqliteDb) => void db.exec('DROP TABLE localized'),
  },
  {
    version: 7,
    name: 'drop-files',
    // One row per file of every revision, which no query ever read either; the files are in each
    // revision's stored facts. Its two indexes, keyed by update id and by SHA-1, took a write at a
    // random page per file: at 150,000 updates they made a first full sync write 1.2 GB more.
    up: (db: SqliteDb) => void db.exec('DROP TABLE files'),
  },
  {
    version: 8,
    name: 'child-sites',
    // The child sites this site notifies after a sync that changes its catalog, with the token each
    // child issued for it. The token is a credential for calling the child, so it is kept as given;
    // no API answer carries it.
    up: (db: SqliteDb) =>
      void db.exec(`
        CREATE TABLE child_sites (
          site_code TEXT PRIMARY KEY,
          url TEXT NOT NULL,
          token TEXT NOT NULL,
          added_at TEXT NOT NULL,
          notified_at TEXT,
          notify_result TEXT
        ) STRICT`),
  },
]);

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

/** The highest applied version, or 0 for a database without a ledger. Reads only. */
export function readSchemaVersion(db: SqliteDb): number {
  const ledger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (ledger === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

function assertWellOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order at ${m.name}: expected version ${i + 1}`);
  });
}

/**
 * Brings the database to the latest version in `migrations`. Returns the versions applied (empty
 * when already current). Throws STORE_SCHEMA_NEWER, without writing, for a database that is ahead.
 */
export function migrate(db: SqliteDb, migrations: readonly Migration[], appliedAt: () => string): number[] {
  assertWellOrdered(migrations);
  const known = migrations.length;
  // Checked before the write lock too, so a newer database is refused even when another process
  // holds a long write transaction.
  refuseNewerSchema(readSchemaVersion(db), known);
  const run = db.transaction(() => {
    db.exec(LEDGER_DDL);
    const current = readSchemaVersion(db);
    refuseNewerSchema(current, known);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      m.up(db);
      record.run(m.version, m.name, appliedAt());
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}

/**
 * For read-only connections: checks the version without migrating. A database that is ahead is
 * refused (STORE_SCHEMA_NEWER); one that is behind cannot be used until a writer migrates it.
 */
export function assertCurrentSchema(db: SqliteDb, migrations: readonly Migration[]): void {
  const found = readSchemaVersion(db);
  refuseNewerSchema(found, migrations.length);
  if (found < migrations.length) {
    throw new SupsyncError(
      'STORE_IO',
      `database schema version ${found} is older than this supsync (${migrations.length}); open it read-write once to migrate`,
    );
  }
}
