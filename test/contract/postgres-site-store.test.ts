/**
 * Runs the site store contract on the PostgreSQL adapter, against a real server (see
 * test/helpers/postgres.ts), with a schema of its own per test.
 */
import { after, describe } from 'node:test';
import { openPgSiteStore } from '../../src/store/postgres/pg-site-store.ts';
import { dropSchemas, pgSkip, siteUrlFor } from '../helpers/postgres.ts';
import { corruptRevision } from './pg-damage.ts';
import { runSiteStoreContract } from './site-store.contract.ts';

const used = new Set<string>();

describe('PostgreSQL adapter', { skip: pgSkip }, () => {
  after(() => dropSchemas(used));
  runSiteStoreContract(
    'postgresql',
    async (location) => {
      used.add(location);
      return openPgSiteStore(siteUrlFor(location));
    },
    { corruptRevision },
  );
});
