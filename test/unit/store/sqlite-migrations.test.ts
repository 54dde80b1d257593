import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import {
  assertCurrentSchema,
  MIGRATIONS,
  type Migration,
  migrate,
  readSchemaVersion,
} from '../../../src/store/sqlite/migrations.ts';
import { openDatabase } from '../../../src/store/sqlite/sqlite-driver.ts';
import { openSqliteSiteStore } from '../../../src/store/sqlite/sqlite-site-store.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supsync-migrations-'));
  path = join(dir, 'site.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const now = () => '2026-01-01T00:00:00.000Z';

/** Everything a migration could have changed: schema objects, the ledger, the site row. */
function snapshot(file: string): unknown {
  const raw = new Database(file, { readonly: true });
  try {
    const schema = raw
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .all();
    const hasLedger = schema.some((o) => (o as { name: string }).name === 'schema_migrations');
    const ledger = hasLedger ? raw.prepare('SELECT * FROM schema_migrations ORDER BY version').all() : [];
    return { schema, ledger };
  } finally {
    raw.close();
  }
}

const failing = (version: number): Migration => ({
  version,
  name: 'breaks-halfway',
  up: (db) => {
    db.exec('CREATE TABLE half_done (x INTEGER)');
    db.exec('ALTER TABLE updates ADD COLUMN extra TEXT');
    db.exec('THIS IS NOT SQL');
  },
});

const LATEST = MIGRATIONS.length;

describe('sqlite migrations', () => {
  it('migrates a fresh database to the latest version and records it in the ledger', () => {
    const db = openDatabase(path);
    try {
      assert.deepEqual(
        migrate(db, MIGRATIONS, now),
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(readSchemaVersion(db), MIGRATIONS.length);
      assert.deepEqual(
        db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all(),
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: now() })),
      );
    } finally {
      db.close();
    }
  });

  it('is idempotent: reopening applies nothing and keeps the data', async () => {
    const store = openSqliteSiteStore(path);
    await store.createToken('t', 'read', 'h', now());
    await store.close();
    const before = snapshot(path);
    const again = openSqliteSiteStore(path);
    assert.equal((await again.listTokens()).length, 1);
    await again.close();
    assert.deepEqual(snapshot(path), before);
    const db = openDatabase(path);
    try {
      assert.deepEqual(migrate(db, MIGRATIONS, now), []);
    } finally {
      db.close();
    }
  });

  it('refuses a database migrated by a newer supsync, and writes nothing', async () => {
    await openSqliteSiteStore(path).close();
    const raw = new Database(path);
    raw
      .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from-the-future', 'x')")
      .run(LATEST + 1);
    raw.close();
    const before = snapshot(path);
    assert.throws(
      () => openSqliteSiteStore(path),
      (err) =>
        isSupsyncError(err, 'STORE_SCHEMA_NEWER') &&
        err.message === `database schema version ${LATEST + 1} is newer than this supsync (${LATEST}); upgrade supsync`,
    );
    assert.throws(
      () => openSqliteSiteStore(path, { readonly: true }),
      (err) => isSupsyncError(err, 'STORE_SCHEMA_NEWER'),
    );
    assert.deepEqual(snapshot(path), before);
  });

  it('leaves the database as it was when a migration fails', async () => {
    await openSqliteSiteStore(path).close();
    const before = snapshot(path);
    const db = openDatabase(path);
    try {
      assert.throws(() => migrate(db, [...MIGRATIONS, failing(LATEST + 1)], now));
      assert.equal(readSchemaVersion(db), LATEST);
    } finally {
      db.close();
    }
    assert.deepEqual(snapshot(path), before);
  });

  it('leaves a fresh database empty when any pending migration fails', () => {
    const db = openDatabase(path);
    try {
      assert.throws(() => migrate(db, [...MIGRATIONS, failing(LATEST + 1)], now));
      assert.equal(readSchemaVersion(db), 0);
    } finally {
      db.close();
    }
    assert.deepEqual(snapshot(path), { schema: [], ledger: [] });
  });

  it('rejects a migration list with gaps or out of order', () => {
    const db = openDatabase(path);
    try {
      const v1 = MIGRATIONS[0] as Migration;
      assert.throws(() => migrate(db, [v1, { ...v1, version: 3 }], now), /out of order/);
      assert.equal(readSchemaVersion(db), 0);
    } finally {
      db.close();
    }
  });

  it('a read-only connection checks the version but never migrates', () => {
    new Database(path).close();
    const db = openDatabase(path, { readonly: true });
    try {
      assert.throws(
        () => assertCurrentSchema(db, MIGRATIONS),
        (err) => isSupsyncError(err, 'STORE_IO'),
      );
    } finally {
      db.close();
    }
    assert.throws(
      () => openSqliteSiteStore(path, { readonly: true }),
      (err) => isSupsyncError(err, 'STORE_IO'),
    );
  });
});

describe('upgrading a database from an earlier schema', () => {
  it('applies only the migrations it lacks and keeps its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supsync-upgrade-'));
    const file = join(dir, 'site.db');
    const db = openDatabase(file);
    migrate(db, MIGRATIONS.slice(0, 1), now);
    db.prepare("INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES ('old', 'read', 'h1', 'x')").run();
    db.close();
    const store = openSqliteSiteStore(file);
    assert.deepEqual(
      (await store.listTokens()).map((t) => t.name),
      ['old'],
    );
    await store.close();
    const raw = new Database(file);
    const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    const index = raw.prepare("SELECT name FROM sqlite_master WHERE name = 'updates_superseded_live'").get();
    raw.close();
    assert.deepEqual(
      versions.map((v) => v.version),
      MIGRATIONS.map((m) => m.version),
    );
    assert.ok(index, 'migration 2 created its index');
  });
});
