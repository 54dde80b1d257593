/**
 * Sites on PostgreSQL, end to end over real HTTP on loopback against a real server (see
 * test/helpers/postgres.ts): a child on PostgreSQL syncs from the generated upstream (full, then a
 * delta after churn, then a full that repairs what was damaged behind its back); a site on
 * PostgreSQL serves a SQLite child as its upstream; and the `supsync` command runs a site given a
 * `postgres://` URL.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSite, type Site } from '../../src/app.ts';
import { buildHttpServer } from '../../src/app-http.ts';
import { revisionKey } from '../../src/catalog/model.ts';
import { churnStore } from '../../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../../src/site/settings.ts';
import { MemoryLog } from '../../src/sync/wsyncmgr-log.ts';
import { jsonOf, runCli } from '../helpers/cli-process.ts';
import { dropSchemas, pgSkip, schemaFor, siteUrlFor, withPgClient } from '../helpers/postgres.ts';
import {
  createChild,
  latestKeys,
  offeredUnder,
  SUBSCRIPTION,
  startUpstream,
  syncOnce,
  tempDir,
  type UpstreamFixture,
} from '../helpers/sites.ts';

const used = new Set<string>();

/** A site on its own PostgreSQL schema, subscribed to SUBSCRIPTION, syncing from `upstreamUrl`. */
async function pgSite(upstreamUrl: string): Promise<{ site: Site; location: string; log: MemoryLog }> {
  const dir = tempDir('supsync-pg-site-');
  used.add(dir);
  const log = new MemoryLog();
  const site = await openSite({ db: siteUrlFor(dir), logDir: join(dir, 'logs'), extraLog: log });
  await site.store.initSite({
    ...DEFAULT_SETTINGS,
    siteCode: 'CS1',
    supName: 'sup1',
    upstreamUrl,
    ...SUBSCRIPTION,
  });
  return { site, location: dir, log };
}

describe('sites on PostgreSQL', { skip: pgSkip }, () => {
  let upstream: UpstreamFixture;

  before(async () => {
    upstream = await startUpstream(400, 'pg-e2e');
  });
  after(async () => {
    await upstream.close();
    await dropSchemas(used);
  });

  it('syncs full, then only the churn by delta, and a full sync repairs damage a delta leaves', async () => {
    const { site, location } = await pgSite(upstream.url);
    try {
      const first = await syncOnce(site);
      assert.equal(first.state, 'succeeded', first.errorMessage);
      assert.equal(first.kind, 'full');
      const expected = await offeredUnder(upstream.site.store);
      assert.ok(expected.size > 30, `subscription should select a fair share, got ${expected.size}`);
      assert.deepEqual(await latestKeys(site.store), expected);
      assert.equal(first.updates?.downloaded, expected.size);

      const report = await churnStore(upstream.site.store, { days: 40, seed: 'pg-e2e' });
      const offered = await offeredUnder(upstream.site.store);
      const changed = [...report.added, ...report.revised, ...report.expired].map(revisionKey);
      const expectedDelta = changed.filter((k) => offered.has(k));
      assert.ok(expectedDelta.length > 0, 'churn should touch the subscription');
      const delta = await syncOnce(site);
      assert.equal(delta.state, 'succeeded', delta.errorMessage);
      assert.equal(delta.kind, 'delta');
      assert.equal(delta.updates?.downloaded, new Set(expectedDelta).size);
      assert.deepEqual(await latestKeys(site.store), offered);
      assert.equal(await site.store.getCatalogVersion(), 2);

      const victims = (await site.store.listLatestIdentities(false)).slice(0, 6);
      await withPgClient(schemaFor(location), async (c) => {
        for (const v of victims.slice(0, 3)) {
          await c.query(
            "UPDATE revisions SET xml = replace(xml, 'UpdateIdentity', 'UpdateIdentitX') WHERE update_id = $1 AND revision_number = $2",
            [v.updateId, v.revisionNumber],
          );
        }
        for (const v of victims.slice(3)) {
          await c.query('DELETE FROM revisions WHERE update_id = $1 AND revision_number = $2', [
            v.updateId,
            v.revisionNumber,
          ]);
        }
      });
      const untouched = await syncOnce(site);
      assert.equal(untouched.kind, 'delta');
      assert.equal(untouched.updates?.repaired, 0);
      const full = await syncOnce(site, true);
      assert.equal(full.state, 'succeeded', full.errorMessage);
      assert.equal(full.updates?.repaired, 3);
      assert.equal(full.updates?.downloaded, 6, 'only the damaged and missing revisions are downloaded again');
      const checked = await site.store.checkRevisions(victims, true);
      assert.deepEqual([...checked.values()], Array(6).fill('ok'));
    } finally {
      await site.close();
    }
  });

  it('serves its catalog to a downstream site as an upstream', async () => {
    const { site } = await pgSite(upstream.url);
    const app = await buildHttpServer({ site });
    try {
      assert.equal((await syncOnce(site)).state, 'succeeded');
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const child = await createChild(url, SUBSCRIPTION);
      try {
        const run = await syncOnce(child.site);
        assert.equal(run.state, 'succeeded', run.errorMessage);
        assert.deepEqual(await latestKeys(child.site.store), await latestKeys(site.store));
      } finally {
        await child.site.close();
      }
    } finally {
      await app.close();
      await site.close();
    }
  });

  it('runs from the command line with a postgres:// URL as --db', async () => {
    const dir = tempDir('supsync-pg-cli-');
    used.add(dir);
    const db = siteUrlFor(dir);
    const missing = await runCli(['status', '--db', db, '--json'], { cwd: dir });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^error STORE_NOT_INITIALIZED: no site in postgres:/);
    const schemas = await withPgClient(
      'public',
      async (c) =>
        (
          await c.query('SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1', [
            schemaFor(dir),
          ])
        ).rows[0],
    );
    assert.deepEqual(schemas, { n: 0 }, 'a mistyped site leaves no empty schema behind');
    const init = await runCli(['init', '--db', db, '--upstream', upstream.url, '--site-code', 'PS1'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const sync = await runCli(['sync', '--db', db, '--json'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal(jsonOf(sync).state, 'succeeded');
    const status = await runCli(['status', '--db', db, '--json'], { cwd: dir });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(jsonOf(status).LastSyncState, 6702);
  });
});
