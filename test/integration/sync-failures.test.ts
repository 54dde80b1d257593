/**
 * Failure handling as the real WSyncMgr: a single update that fails is logged and skipped;
 * too many consecutive failures abort the run; an unreachable upstream fails the run with a retry
 * note and an alert that the next success cancels; a process killed mid-sync is followed by a
 * consistent, complete next sync that does not download again what was already committed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createApiToken } from '../../src/api/auth.ts';
import { openSite, openStore } from '../../src/app.ts';
import { revisionKey } from '../../src/catalog/model.ts';
import { CliProcess } from '../helpers/cli-process.ts';
import {
  type ChildFixture,
  createChild,
  offeredUnder,
  SUBSCRIPTION,
  startUpstream,
  syncOnce,
} from '../helpers/sites.ts';

/** Rows in the revisions table right now, read from another connection (0 before it exists). */
function committedSoFar(db: string): number {
  try {
    const raw = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (raw.prepare('SELECT count(*) AS n FROM revisions').get() as { n: number }).n;
    } finally {
      raw.close();
    }
  } catch {
    return 0;
  }
}

/**
 * A sync started by `start` is killed (SIGKILL) once its first batch of 500 is committed — watched
 * in the database itself, which a log line would only announce — and the next sync must complete
 * the catalog without downloading again what was committed, memberships included.
 */
async function killMidSync(seed: string, start: (child: ChildFixture) => Promise<CliProcess>): Promise<void> {
  const upstream = await startUpstream(2500, seed);
  const child = await createChild(upstream.url, SUBSCRIPTION);
  await child.site.close();
  try {
    const proc = await start(child);
    try {
      const started = Date.now();
      while (Date.now() - started < 60_000 && committedSoFar(child.db) < 500) {
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await proc.kill();
    }
    const site = await openSite({ db: child.db, logDir: join(child.dir, 'logs2') });
    try {
      const committed = (await site.store.listLatestIdentities(false)).length;
      assert.ok(committed > 0, 'the killed run committed some batches');
      const expected = await offeredUnder(upstream.site.store);
      assert.ok(committed < expected.size, 'the killed run did not finish');
      assert.equal(await site.coordinator.recoverInterrupted(), 1);
      const run = await syncOnce(site);
      assert.equal(run.state, 'succeeded', run.errorMessage);
      assert.equal(run.updates?.downloaded, expected.size - committed, 'nothing committed is downloaded again');
      assert.deepEqual(new Set((await site.store.listLatestIdentities(false)).map(revisionKey)), expected);
      const check = await site.store.checkRevisions(await site.store.listLatestIdentities(false), true);
      assert.ok([...check.values()].every((v) => v === 'ok'));
      // Memberships of the killed run's batches were completed too: the child's catalog seen
      // through the subscription's filter is the upstream's.
      const filtered = async (store: typeof site.store) =>
        new Set(
          (
            await store.listRevisionsForDownstream({
              config: false,
              products: SUBSCRIPTION.products.map((id) => ({ id, delta: false })),
              classifications: SUBSCRIPTION.classifications.map((id) => ({ id, delta: false })),
            })
          ).ids.map(revisionKey),
        );
      const [mine, theirs] = [await filtered(site.store), await filtered(upstream.site.store)];
      // Compared as differences: a failing deepEqual of two large sets spends minutes on its diff.
      const missing = [...theirs].filter((k) => !mine.has(k));
      const extra = [...mine].filter((k) => !theirs.has(k));
      assert.deepEqual({ missing: missing.length, extra: extra.length }, { missing: 0, extra: 0 });
      const runs = await site.store.listRuns(5);
      assert.equal(runs.find((r) => r.id !== run.id)?.state, 'failed');
    } finally {
      await site.close();
    }
  } finally {
    await upstream.close();
  }
}

/** Breaks the XML the upstream serves for the revisions `keys` (`updateId:revision`). */
async function breakUpstreamDocs(upstreamDb: string, keys: readonly string[]): Promise<void> {
  const raw = new Database(upstreamDb);
  const stmt = raw.prepare(
    'UPDATE revisions SET xml = \'<upd:Update xmlns:upd="x"><broken\' WHERE update_id = ? AND revision_number = ?',
  );
  for (const k of keys) {
    const [id, rev] = k.split(':');
    stmt.run(id, Number(rev));
  }
  raw.close();
}

describe('sync failure handling', () => {
  it('skips and counts single failed updates, and does not advance the update anchor', async () => {
    const upstream = await startUpstream(300, 'fail-one');
    try {
      const offered = [...(await offeredUnder(upstream.site.store))].sort();
      const broken = offered.slice(0, 3);
      await breakUpstreamDocs(upstream.db, broken);
      const child = await createChild(upstream.url, SUBSCRIPTION);
      try {
        const run = await syncOnce(child.site);
        assert.equal(run.state, 'succeeded', run.errorMessage);
        assert.equal(run.updates?.failed, 3);
        assert.equal(run.updates?.downloaded, offered.length - 3);
        const failedLines = child.log.lines.filter((l) => l.message.startsWith('Failed to sync update '));
        assert.equal(failedLines.length, 3);
        const state = await child.site.store.getSyncState(upstream.url);
        assert.equal(state?.updateAnchor, undefined, 'the anchor stays behind so the next sync retries them');
        assert.ok(state?.categoryAnchor, 'the category phase had no failures and keeps its anchor');
      } finally {
        await child.site.close();
      }
    } finally {
      await upstream.close();
    }
  });

  it('aborts after too many consecutive failures', async () => {
    const upstream = await startUpstream(300, 'fail-many');
    try {
      const offered = [...(await offeredUnder(upstream.site.store))];
      await breakUpstreamDocs(upstream.db, offered);
      const child = await createChild(upstream.url, SUBSCRIPTION, { maxConsecutiveFailures: 5 });
      try {
        const run = await syncOnce(child.site);
        assert.equal(run.state, 'failed');
        assert.equal(run.errorCode, 'SYNC_TOO_MANY_FAILURES');
        assert.ok(child.log.lines.some((l) => l.message === 'Too many consecutive failures. Aborting sync.'));
      } finally {
        await child.site.close();
      }
    } finally {
      await upstream.close();
    }
  });

  it('an unreachable upstream fails the run, says it retries in 60 minutes, raises an alert; success cancels it', async () => {
    const upstream = await startUpstream(100, 'alert');
    const child = await createChild('http://127.0.0.1:9', SUBSCRIPTION);
    try {
      const run = await syncOnce(child.site);
      assert.equal(run.state, 'failed');
      assert.equal(run.errorCode, 'UPSTREAM_UNREACHABLE');
      assert.ok(child.log.lines.some((l) => l.message === 'Sync failed. Will retry in 60 minutes'));
      const messages = await child.site.store.listStatusMessages(5);
      assert.equal(messages[0]?.messageId, 6703);
      // The line scripts parse: the source, the message, and LastSyncErrorCode in LE.
      const statmsg = child.log.lines.find((l) => l.message.startsWith('STATMSG: ID=6703 '));
      assert.equal(statmsg?.severity, 'error');
      assert.match(
        statmsg?.message ?? '',
        / ISTR0="UPSTREAM_UNREACHABLE" ISTR1="cannot reach http:\/\/127\.0\.0\.1:9\//,
      );
      assert.match(statmsg?.message ?? '', / NUMATTRS=0 LE=0X80072ee7$/);
      assert.equal((await child.site.store.listAlerts(true)).length, 1);
      const s = await child.site.store.getSettings();
      assert.ok(s);
      await child.site.store.saveSettings({ ...s, upstreamUrl: upstream.url });
      const ok = await syncOnce(child.site);
      assert.equal(ok.state, 'succeeded', ok.errorMessage);
      assert.equal((await child.site.store.listAlerts(true)).length, 0);
      assert.equal((await child.site.store.listStatusMessages(1))[0]?.messageId, 6702);
    } finally {
      await child.site.close();
      await upstream.close();
    }
  });

  it('a process killed mid-sync is followed by a consistent, complete sync that keeps what was committed', async () => {
    await killMidSync(
      'kill',
      async (child) => new CliProcess(['sync', '--db', child.db, '--log-dir', join(child.dir, 'logs')]),
    );
  });

  it('so is supsync serve, whose store writes on a worker thread, killed during a sync it runs', async () => {
    await killMidSync('kill-serve', async (child) => {
      const store = await openStore(child.db, { mustExist: true });
      const { token } = await createApiToken(store, 'test', 'operator', () => new Date());
      await store.close();
      const proc = new CliProcess(['serve', '--db', child.db, '--port', '0', '--no-scheduler']);
      const [, url] = await proc.waitForOutput(/^supsync serving (http:\/\/127\.0\.0\.1:\d+)\n/m);
      const res = await fetch(`${url}/api/v1/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"full":false}',
      });
      assert.equal(res.status, 202, await res.text());
      return proc;
    });
  });
});
