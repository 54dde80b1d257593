/**
 * The PostgreSQL server the PostgreSQL adapter's tests run against: `SUPSYNC_TEST_PG_URL`, as
 * `scripts/pg-test-server.mjs start` prints it (`.ci/run` starts one). Without it those tests are
 * skipped with the reason, unless `SUPSYNC_REQUIRE_PG=1` (set by CI), when they fail instead.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

const url = process.env.SUPSYNC_TEST_PG_URL;

/** `false` when the tests can run, else why not (node:test's `skip` option). */
export const pgSkip: string | false =
  url !== undefined && url !== ''
    ? false
    : process.env.SUPSYNC_REQUIRE_PG === '1'
      ? false
      : 'no PostgreSQL server: run `node scripts/pg-test-server.mjs start` and export SUPSYNC_TEST_PG_URL';

/** The server's URL; throws (failing the test) when none is configured. */
export function pgServerUrl(): string {
  if (url === undefined || url === '') throw new Error('SUPSYNC_REQUIRE_PG=1 but SUPSYNC_TEST_PG_URL is not set');
  return url;
}

/** A schema name of its own for a test location (a path in a fresh temp dir). */
export function schemaFor(location: string): string {
  return `t_${createHash('sha256').update(location).digest('hex').slice(0, 20)}`;
}

/** The site URL of the schema for `location`. */
export function siteUrlFor(location: string): string {
  const u = new URL(pgServerUrl());
  u.searchParams.set('schema', schemaFor(location));
  return u.toString();
}

/** Runs `fn` with a plain client on the test server, outside any store. */
export async function withPgClient<T>(schema: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgServerUrl(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the schemas of the given locations. */
export async function dropSchemas(locations: Iterable<string>): Promise<void> {
  const names = [...locations].map(schemaFor);
  if (names.length === 0) return;
  await withPgClient('public', async (c) => {
    for (const n of names) await c.query(`DROP SCHEMA IF EXISTS ${n} CASCADE`);
  });
}
