/**
 * What the benchmarks that can also run against PostgreSQL share: the `--pg <postgres://…>` option
 * beside their positional arguments, and a throwaway schema of that server for a site.
 */
import pg from 'pg';

/** `--pg <url>` if given (its URL is required then), and the other arguments in order. */
export function pgOption(argv: readonly string[] = process.argv.slice(2)): {
  readonly pgUrl: string | undefined;
  readonly positional: string[];
} {
  const at = argv.indexOf('--pg');
  if (at < 0) return { pgUrl: undefined, positional: [...argv] };
  const pgUrl = argv[at + 1];
  if (pgUrl === undefined) throw new Error('--pg needs a postgres:// URL');
  return { pgUrl, positional: argv.filter((_, i) => i !== at && i !== at + 1) };
}

/** Drops `schema` on the server at `serverUrl`, if it exists. */
export async function dropPgSchema(serverUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The site URL of `schema` on the server at `serverUrl`, the schema dropped first. */
export async function freshPgSite(serverUrl: string, schema: string): Promise<string> {
  await dropPgSchema(serverUrl, schema);
  const url = new URL(serverUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}
