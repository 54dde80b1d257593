/**
 * What the PostgreSQL adapter adds to the contract: where a site lives (URL and schema), its
 * migrations and their refusal of a newer schema, errors for a server that cannot be reached, and
 * writes serialised across connections as SQLite serialises them. Against a real server (see
 * test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/site/settings.ts';
import { parsePgLocation } from '../../../src/store/postgres/pg-driver.ts';
import { openPgSiteStore } from '../../../src/store/postgres/pg-site-store.ts';
import { dropSchemas, pgSkip, schemaFor, siteUrlFor, withPgClient } from '../../helpers/postgres.ts';
import { tempDir } from '../../helpers/sites.ts';

const used = new Set<string>();
function location(): string {
  const dir = tempDir('supsync-pg-unit-');
  used.add(dir);
  return dir;
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

  it('fails a call on a closed store with STORE_IO', async () => {
    const store = await openPgSiteStore(siteUrlFor(location()));
    await store.close();
    await assert.rejects(store.getSettings(), (err) => isSupsyncError(err, 'STORE_IO'));
  });
});
