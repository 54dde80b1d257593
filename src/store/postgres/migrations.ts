/**
 * Append-only migrations of the PostgreSQL adapter, with a ledger (`schema_migrations`) in the
 * site's schema. Pending migrations run in one write transaction, under the site's write lock, so
 * two processes never migrate at once and a failure leaves the schema as it was (PostgreSQL's DDL
 * is transactional). A schema migrated by a newer supsync is refused before anything is written.
 * The numbering is the adapter's own: SQLite's eight migrations are PostgreSQL's first.
 */
import { refuseNewerSchema } from '../schema-guard.ts';
import type { PgDatabase, PgTx } from './pg-driver.ts';
import { PG_SCHEMA_V1 } from './schema-v1.ts';

export interface PgMigration {
  /** 1, 2, 3, … without gaps; never renumbered once released. */
  readonly version: number;
  readonly name: string;
  readonly up: (tx: PgTx) => Promise<unknown>;
}

export const PG_MIGRATIONS: readonly PgMigration[] = Object.freeze([
  { version: 1, name: 'initial-schema', up: (tx: PgTx) => tx.query(PG_SCHEMA_V1) },
]);

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

async function readVersion(tx: PgTx): Promise<number> {
  const ledger = await tx.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (ledger.rows[0]?.t == null) return 0;
  const row = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return row.rows[0]?.v ?? 0;
}

/** Brings the site's schema to the latest version. Returns the versions applied. */
export async function migratePg(
  db: PgDatabase,
  migrations: readonly PgMigration[],
  appliedAt: () => string,
): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order at ${m.name}: expected version ${i + 1}`);
  });
  const known = migrations.length;
  // Checked before the write lock too, so a newer schema is refused even while another process writes.
  refuseNewerSchema(await db.read('migrate', readVersion), known);
  return db.write('migrate', async (tx) => {
    await tx.query(LEDGER_DDL);
    const current = await readVersion(tx);
    refuseNewerSchema(current, known);
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      await m.up(tx);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        appliedAt(),
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
