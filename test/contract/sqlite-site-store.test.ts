/**
 * Runs the site store contract on the SQLite adapter, with a real database file per test.
 */
import { openSqliteSiteStore } from '../../src/store/sqlite/sqlite-site-store.ts';
import { runSiteStoreContract } from './site-store.contract.ts';
import { corruptRevision } from './sqlite-damage.ts';

runSiteStoreContract('sqlite', async (path) => openSqliteSiteStore(path), { corruptRevision });
