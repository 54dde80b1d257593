/**
 * What the store on a worker thread adds to the port (the contract runs in
 * test/contract/threaded-site-store.test.ts): errors cross the thread unchanged, a database the
 * worker cannot open fails every call, and the caller's event loop keeps turning while it writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import type { SiteStore } from '../../../src/store/site-store.ts';
import { openSqliteSiteStore } from '../../../src/store/sqlite/sqlite-site-store.ts';
import { openThreadedSiteStore } from '../../../src/store/sqlite/threaded-site-store.ts';
import { siteSettings } from '../../contract/site-store/harness.ts';
import { guid, makeRevision } from '../../helpers/revisions.ts';

const dir = mkdtempSync(join(tmpdir(), 'supsync-threaded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `site-${++n}.db`);

/** How many times the event loop turned while `work` was pending. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let pending = true;
  const spin = () => {
    if (!pending) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work();
  pending = false;
  return turns;
}

describe('the SQLite store on a worker thread', () => {
  it('rejects with the same SupsyncError, code and message as on the calling thread', async () => {
    const { store } = openThreadedSiteStore(freshPath());
    try {
      await store.initSite(siteSettings());
      await assert.rejects(store.initSite(siteSettings()), (err) => isSupsyncError(err, 'STORE_ALREADY_INITIALIZED'));
      await assert.rejects(
        store.putRevisions([{ ...makeRevision({ id: guid(1) }), xml: '' }]),
        (err) => isSupsyncError(err, 'INPUT_INVALID') && /has no XML document/.test(err.message),
      );
    } finally {
      await store.close();
    }
  });

  it('fails every call of both façades when the worker cannot open the database', async () => {
    const newer = freshPath();
    await openSqliteSiteStore(newer).close();
    const raw = new Database(newer);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '')").run();
    raw.close();
    for (const [path, code] of [
      [join(dir, 'no-such-dir', 'site.db'), 'STORE_IO'],
      [newer, 'STORE_SCHEMA_NEWER'],
    ] as const) {
      const threaded = openThreadedSiteStore(path);
      for (const store of [threaded.store, threaded.readsHere]) {
        await assert.rejects(store.getSettings(), (err) => isSupsyncError(err, code));
        await assert.rejects(store.saveSettings(siteSettings()), (err) => isSupsyncError(err, code));
      }
      await threaded.store.close();
    }
  });

  it('keeps the event loop turning while it writes, where the store on this thread blocks it', async () => {
    const batch = Array.from({ length: 1500 }, (_, i) => makeRevision({ id: guid(i + 1) }));
    const write = async (store: SiteStore) => {
      try {
        await store.initSite(siteSettings());
        return await turnsDuring(() => store.putRevisions(batch));
      } finally {
        await store.close();
      }
    };
    assert.equal(await write(openSqliteSiteStore(freshPath())), 0);
    assert.ok((await write(openThreadedSiteStore(freshPath()).store)) > 0);
  });

  it('refuses calls once closed', async () => {
    const { store, readsHere } = openThreadedSiteStore(freshPath());
    await store.initSite(siteSettings());
    await readsHere.close();
    await assert.rejects(store.getSettings(), (err) => isSupsyncError(err, 'STORE_IO'));
    await assert.rejects(readsHere.saveSettings(siteSettings()), (err) => isSupsyncError(err, 'STORE_IO'));
  });
});
