/**
 * What the PostgreSQL adapter adds to the contract: where a site lives (URL and schema), its
 * migrations and their refusal of a newer schema, errors for a server that cannot be reached, and
 * writes serialised across connections as SQLite serialises them. Against a real server (see
 * test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { revisionKey } from '../../../src/catalog/model.ts';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/site/settings.ts';
import { parsePgLocation } from '../../../src/store/postgres/pg-driver.ts';
import { openPgSiteStore, type PgSiteStoreOptions } from '../../../src/store/postgres/pg-site-store.ts';
import type { SiteStore } from '../../../src/store/site-store.ts';
import { dropSchemas, pgSkip, schemaFor, siteUrlFor, withPgClient } from '../../helpers/postgres.ts';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { tempDir } from '../../helpers/sites.ts';

const used = new Set<string>();
function location(): string {
  const dir = tempDir('supsync-pg-unit-');
  used.add(dir);
  return dir;
}

/** Runs `fn` with a new site at a fresh location and that site's schema; the store is closed afterwards. */
async function withNewSite(
  fn: (store: SiteStore, schema: string) => Promise<void>,
  options: PgSiteStoreOptions = {},
): Promise<void> {
  const loc = location();
  const store = await openPgSiteStore(siteUrlFor(loc), options);
  try {
    await store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup1', upstreamUrl: 'none' });
    await fn(store, schemaFor(loc));
  } finally {
    await store.close();
  }
}

describe('PostgreSQL site location', () => {
  it('takes the schema from the URL, supsync by default, and passes the rest on', () => {
    assert.deepEqual(parsePgLocation('postgres://u:p@db.contoso.com:5433/sup?schema=cs1&sslmode=require'), {
      connectionString: 'postgres://u:p@db.contoso.com:5433/sup?sslmode=require',
      schema: 'cs1',
    });
    assert.equal(parsePgLocation('postgresql://db/sup').schema, 'supsync');
  });

  it('refuses a schema name that would need quoting', () => {
    for (const bad of ['CS1', 'a-b', '1abc', 'x;drop']) {
      assert.throws(
        () => parsePgLocation(`postgres://db/sup?schema=${encodeURIComponent(bad)}`),
        (err) => isSupsyncError(err, 'CONFIG_INVALID'),
        bad,
      );
    }
  });
});

describe('PostgreSQL adapter', { skip: pgSkip }, () => {
  after(() => dropSchemas(used));

  it('creates and migrates its schema once; a second open applies nothing', async () => {
    const loc = location();
    await (await openPgSiteStore(siteUrlFor(loc))).close();
    const store = await openPgSiteStore(siteUrlFor(loc));
    await store.close();
    const rows = await withPgClient(
      schemaFor(loc),
      async (c) => (await c.query('SELECT version FROM schema_migrations')).rows,
    );
    assert.deepEqual(rows, [{ version: 1 }]);
  });

  it('refuses a schema a newer supsync migrated, and writes nothing to it', async () => {
    const loc = location();
    await (await openPgSiteStore(siteUrlFor(loc))).close();
    await withPgClient(schemaFor(loc), (c) =>
      c.query("INSERT INTO schema_migrations VALUES (99, 'from-the-future', '2030-01-01T00:00:00Z')"),
    );
    await assert.rejects(openPgSiteStore(siteUrlFor(loc)), (err) => isSupsyncError(err, 'STORE_SCHEMA_NEWER'));
    const count = await withPgClient(
      schemaFor(loc),
      async (c) => (await c.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0],
    );
    assert.deepEqual(count, { n: 2 });
  });

  it('a server that cannot be reached is STORE_IO, with the password kept out of the message', async () => {
    await assert.rejects(openPgSiteStore('postgres://supsync:s3cret@127.0.0.1:1/postgres?schema=nowhere'), (err) => {
      assert.ok(isSupsyncError(err, 'STORE_IO'), String(err));
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    });
  });

  it('two stores on one site take the sync lease one at a time: exactly one holds it', async () => {
    const loc = location();
    const a = await openPgSiteStore(siteUrlFor(loc));
    const b = await openPgSiteStore(siteUrlFor(loc));
    try {
      await a.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup1', upstreamUrl: 'none' });
      const lease = (holder: string) => ({
        holder,
        pid: 1,
        host: 'h',
        runId: 1,
        acquiredAt: '2026-12-03T00:00:00.000Z',
        renewedAt: '2026-12-03T00:00:00.000Z',
      });
      // Each call returns the holder afterwards: both must name the same one, the one stored.
      const [ha, hb] = await Promise.all([
        a.acquireSyncLease(lease('a'), () => false),
        b.acquireSyncLease(lease('b'), () => false),
      ]);
      assert.equal(ha.holder, hb.holder);
      assert.ok(['a', 'b'].includes(ha.holder));
      assert.equal((await b.getSyncLease())?.holder, ha.holder);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('analyzes the catalog tables once a bulk of updates has been refreshed, not after each small write', async () => {
    await withNewSite(
      async (store, schema) => {
        const analyzed = () =>
          withPgClient(schema, async (c) =>
            (
              await c.query<{ relname: string }>(
                `SELECT relname FROM pg_stat_user_tables
              WHERE schemaname = $1 AND last_analyze IS NOT NULL AND relname IN ('update_prereqs', 'update_facets', 'updates')
              ORDER BY relname`,
                [schema],
              )
            ).rows.map((r) => r.relname),
          );
        const updates = Array.from({ length: 16 }, (_, i) =>
          update(guid(i + 1), [IDS.defender], [IDS.definitionUpdates]),
        );
        // 6 categories and 8 updates refreshed: under the bulk.
        await store.putRevisions([...wellKnownCategories(), ...updates.slice(0, 8)]);
        assert.deepEqual(await analyzed(), []);
        // 8 more, deferred: nothing refreshed yet; the sync state's write refreshes them and reaches 22.
        await store.putRevisions(updates.slice(8), { deferDerived: true });
        assert.deepEqual(await analyzed(), []);
        await store.patchSyncState('none', { lastSuccessAt: '2026-01-01T00:00:00.000Z' });
        assert.deepEqual(await analyzed(), ['update_facets', 'update_prereqs', 'updates']);
      },
      { analyzeAfter: 20 },
    );
  });

  it("verifies a long list chunk by chunk, each chunk asked for while the last one's facts are checked", async () => {
    await withNewSite(async (store, schema) => {
      const updates = [1, 2, 3].map((n) => update(guid(n), [IDS.defender], [IDS.definitionUpdates]));
      await store.putRevisions([...wellKnownCategories(), ...updates]);
      await withPgClient(schema, (c) =>
        c.query("UPDATE revisions SET xml = 'damaged' WHERE update_id = $1", [guid(2)]),
      );
      // Ids the site does not hold fill the first chunks (2,000 each); the held ones come in the third.
      const absent = Array.from({ length: 4100 }, (_, i) => ({ updateId: guid(10_000 + i), revisionNumber: 200 }));
      const held = updates.map((u) => u.revision.identity);
      const checks = await store.checkRevisions([...absent, ...held], true);
      assert.deepEqual(
        [...checks].sort(),
        [
          [revisionKey(held[0]!), 'ok'],
          [revisionKey(held[1]!), 'damaged'],
          [revisionKey(held[2]!), 'ok'],
        ].sort(),
      );
    });
  });

  it('removing updates deletes the derived rows they own (no foreign keys cascade there), not those naming them', async () => {
    await withNewSite(async (store, schema) => {
      const leaf = update(guid(1), [IDS.defender], [IDS.definitionUpdates], { kb: ['KB1'] });
      const bundle = makeRevision({
        id: guid(2),
        kb: ['KB2'],
        prerequisites: [clause([IDS.defender]), clause([IDS.definitionUpdates])],
        bundled: [leaf.revision.identity],
        supersedes: [guid(1)],
      });
      await store.putRevisions([...wellKnownCategories(), leaf, bundle]);
      await store.expireUpdates([guid(2)], '2026-01-01T00:00:00.000Z', 'test');
      assert.deepEqual(await store.removeExpiredBefore('2026-02-01T00:00:00.000Z'), [guid(2)]);
      const left = await withPgClient(schema, async (c) => {
        const owned = async (table: string, column: string) =>
          (await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [guid(2)])).rows[0].n;
        return {
          kbs: await owned('update_kbs', 'update_id'),
          prereqs: await owned('update_prereqs', 'update_id'),
          categories: await owned('update_categories', 'update_id'),
          scope: await owned('update_scope', 'update_id'),
          facets: await owned('update_facets', 'update_id'),
          bundles: await owned('bundles', 'bundle_id'),
          supersedence: await owned('supersedence', 'superseding_id'),
          revisions: await owned('revisions', 'update_id'),
          leafKbs: (await c.query('SELECT count(*)::int AS n FROM update_kbs WHERE update_id = $1', [guid(1)])).rows[0]
            .n,
        };
      });
      assert.deepEqual(left, {
        kbs: 0,
        prereqs: 0,
        categories: 0,
        scope: 0,
        facets: 0,
        bundles: 0,
        supersedence: 0,
        revisions: 0,
        leafKbs: 1,
      });
    });
  });

  it('stores the documents with lz4 when the server offers it, else with the default', async () => {
    const loc = location();
    await (await openPgSiteStore(siteUrlFor(loc))).close();
    const { offered, columns } = await withPgClient(schemaFor(loc), async (c) => ({
      offered: (
        await c.query(
          "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) AS x",
        )
      ).rows[0].x as boolean,
      columns: (
        await c.query(`SELECT attname, attcompression FROM pg_attribute
          WHERE attrelid = 'revisions'::regclass AND attname IN ('xml', 'parsed') ORDER BY attname`)
      ).rows,
    }));
    const expected = offered ? 'l' : '';
    assert.deepEqual(columns, [
      { attname: 'parsed', attcompression: expected },
      { attname: 'xml', attcompression: expected },
    ]);
  });

  it('fails a call on a closed store with STORE_IO', async () => {
    const store = await openPgSiteStore(siteUrlFor(location()));
    await store.close();
    await assert.rejects(store.getSettings(), (err) => isSupsyncError(err, 'STORE_IO'));
  });
});
