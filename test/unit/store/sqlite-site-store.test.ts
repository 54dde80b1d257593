/**
 * What only the SQLite adapter promises: connection pragmas, file errors, read-only use, and the
 * derived rows behind the port (checked through a raw connection).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/site/settings.ts';
import { openDatabase } from '../../../src/store/sqlite/sqlite-driver.ts';
import { openSqliteSiteStore } from '../../../src/store/sqlite/sqlite-site-store.ts';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supsync-sqlite-'));
  path = join(dir, 'site.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const storeIo = (err: unknown) => isSupsyncError(err, 'STORE_IO');

function rows(sql: string, ...params: unknown[]): unknown[] {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare(sql).all(...params);
  } finally {
    raw.close();
  }
}

describe('sqlite connection', () => {
  it('uses WAL, synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(path);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 1);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    } finally {
      db.close();
    }
  });

  it('reports files it cannot open as STORE_IO', () => {
    assert.throws(() => openSqliteSiteStore(join(dir, 'missing-dir', 'site.db')), storeIo);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database '.repeat(100));
    assert.throws(() => openSqliteSiteStore(junk), storeIo);
    assert.throws(() => openSqliteSiteStore(join(dir, 'absent.db'), { readonly: true }), storeIo);
  });

  it('serves reads read-only and refuses writes with STORE_IO', async () => {
    const writer = openSqliteSiteStore(path);
    await writer.putRevisions([makeRevision({ id: guid(1) })]);
    await writer.close();
    const reader = openSqliteSiteStore(path, { readonly: true });
    try {
      assert.equal((await reader.queryUpdates({})).total, 1);
      await assert.rejects(reader.putRevisions([makeRevision({ id: guid(2) })]), storeIo);
      await assert.rejects(reader.createToken('t', 'read', 'h', '2026-01-01T00:00:00Z'), storeIo);
    } finally {
      await reader.close();
    }
  });

  it('declares a single writer, and fails cleanly once closed', async () => {
    const store = openSqliteSiteStore(path);
    assert.equal(store.capabilities.concurrentWriters, false);
    await store.close();
    await store.close();
    await assert.rejects(store.queryUpdates({}), storeIo);
    await assert.rejects(store.putRevisions([makeRevision({ id: guid(1) })]), storeIo);
  });

  it('stamps upstream expiry with its injected clock', async () => {
    const store = openSqliteSiteStore(path, { now: () => new Date('2026-05-05T05:05:05.000Z') });
    try {
      await store.putRevisions([makeRevision({ id: guid(1), state: 'Expired' })]);
      assert.equal((await store.getUpdate(guid(1)))?.expiredAt, '2026-05-05T05:05:05.000Z');
    } finally {
      await store.close();
    }
  });
});

describe('sqlite derived rows', () => {
  it('stores the document with its sha256 and a sequence number per write, in batch order', async () => {
    const store = openSqliteSiteStore(path);
    const revs = [3, 1, 2].map((n) => makeRevision({ id: guid(n) }));
    await store.putRevisions(revs);
    await store.close();
    const stored = rows('SELECT update_id, xml, content_hash, change_seq FROM revisions ORDER BY change_seq') as {
      update_id: string;
      xml: string;
      content_hash: string;
      change_seq: number;
    }[];
    assert.deepEqual(
      stored.map((r) => r.update_id),
      [guid(3), guid(1), guid(2)],
    );
    assert.deepEqual(
      stored.map((r) => r.change_seq),
      [1, 2, 3],
    );
    for (const r of stored) assert.equal(r.content_hash, createHash('sha256').update(r.xml, 'utf8').digest('hex'));
  });

  it('classifies memberships by category type and marks IsCategory clauses', async () => {
    const store = openSqliteSiteStore(path);
    const leaf = makeRevision({
      id: guid(1),
      prerequisites: [
        clause([guid(1, 0xde7)], false), // a detectoid: a prerequisite, not a category
        clause([IDS.defender], false),
        clause([IDS.definitionUpdates, IDS.securityUpdates]),
      ],
    });
    await store.putRevisions([...wellKnownCategories(), makeRevision({ id: guid(1, 0xde7), type: 'Detectoid' }), leaf]);
    await store.close();
    const memberships = rows(
      'SELECT category_id, kind, via_clause FROM update_categories WHERE update_id = ?',
      guid(1),
    );
    const byCategory = (a: unknown, b: unknown) =>
      (a as { category_id: string }).category_id.localeCompare((b as { category_id: string }).category_id);
    assert.deepEqual(
      memberships.sort(byCategory),
      [
        { category_id: IDS.definitionUpdates, kind: 'classification', via_clause: 1 },
        { category_id: IDS.securityUpdates, kind: 'classification', via_clause: 1 },
        { category_id: IDS.defender, kind: 'product', via_clause: 0 },
      ].sort(byCategory),
    );
    assert.deepEqual(rows('SELECT category_id, kind FROM update_categories WHERE update_id = ?', IDS.windows), [
      { category_id: IDS.microsoft, kind: 'company' },
    ]);
    assert.deepEqual(rows('SELECT category_id, kind FROM update_categories WHERE update_id = ?', IDS.defender), [
      { category_id: IDS.windows, kind: 'family' },
    ]);
  });

  it('keeps files per revision and derived rows of the latest revision only', async () => {
    const store = openSqliteSiteStore(path);
    const file = (n: number) => ({
      fileName: `f${n}.cab`,
      size: n,
      digestSha1: `sha1-${n}`,
      digestSha256: `sha256-${n}`,
    });
    await store.putRevisions([
      update(guid(1), [IDS.defender], [IDS.definitionUpdates], {
        rev: 200,
        files: [file(1)],
        kb: ['KB100', ' 101 '],
        supersedes: [guid(8)],
      }),
      update(guid(1), [IDS.defender], [IDS.definitionUpdates], {
        rev: 201,
        files: [file(2), file(3)],
        kb: ['kb102'],
        supersedes: [guid(9)],
      }),
    ]);
    await store.putRevisions([
      update(guid(1), [IDS.defender], [IDS.definitionUpdates], {
        rev: 201,
        files: [file(2)],
        kb: ['kb102', ' KB103'],
        supersedes: [guid(9)],
      }),
    ]);
    const stored = await store.getRevisions(
      [200, 201].map((revisionNumber) => ({ updateId: guid(1), revisionNumber })),
    );
    assert.deepEqual(
      stored.map((r) => r.revision.files.map((f) => f.fileName)),
      [['f1.cab'], ['f2.cab']],
    );
    await store.close();
    assert.deepEqual(rows('SELECT kb FROM update_kbs ORDER BY kb'), [{ kb: '102' }, { kb: '103' }]);
    assert.deepEqual(rows('SELECT superseded_id FROM supersedence'), [{ superseded_id: guid(9) }]);
  });
  it('rebuilds the per-update rows of every written update, however many are written together', async () => {
    // More than one round of the refresh's rebuild (5,000 updates), in one write and deferred.
    const n = 5_003;
    const store = openSqliteSiteStore(path);
    await store.putRevisions(wellKnownCategories());
    const revs = Array.from({ length: n }, (_, i) =>
      update(guid(i + 1), [IDS.defender], [IDS.definitionUpdates], { kb: [`KB${i + 1}`], supersedes: [guid(i)] }),
    );
    await store.putRevisions(revs.slice(0, 5_001), { deferDerived: true });
    await store.putRevisions(revs.slice(5_001));
    await store.close();
    const count = (sql: string, ...params: unknown[]) => (rows(sql, ...params)[0] as { c: number }).c;
    assert.equal(count('SELECT count(DISTINCT update_id) AS c FROM update_kbs'), n);
    assert.equal(count('SELECT count(*) AS c FROM update_prereqs WHERE ref_id = ?', IDS.defender), n);
    assert.equal(count('SELECT count(*) AS c FROM supersedence'), n);
    assert.deepEqual(rows('SELECT kb FROM update_kbs WHERE update_id = ?', guid(5_000)), [{ kb: '5000' }]);
  });
});

describe('sqlite site records', () => {
  it('takes an unreadable supersedence checkpoint for none, so the rules run again', async () => {
    const store = openSqliteSiteStore(path);
    await store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup', upstreamUrl: 'none' });
    await store.saveExpiryCheckpoint({ seq: 3, rules: '{}', nextDueAt: null });
    await store.close();
    for (const garbage of ['{"seq": 3', '{"seq": "3", "rules": "{}", "nextDueAt": null}']) {
      const raw = new Database(path);
      raw.prepare('UPDATE site SET expiry_checkpoint = ?').run(garbage);
      raw.close();
      const reopened = openSqliteSiteStore(path);
      assert.equal(await reopened.getExpiryCheckpoint(), undefined, garbage);
      await reopened.close();
    }
  });
});
