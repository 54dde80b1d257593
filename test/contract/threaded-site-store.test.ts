/**
 * Runs the site store contract on both façades of the SQLite store on its own thread: every call in
 * a real worker thread, and reads on a read-only connection of the test's thread with the writes in
 * the worker. Real database files, as for the in-thread adapter.
 */
import { openThreadedSiteStore } from '../../src/store/sqlite/threaded-site-store.ts';
import { runSiteStoreContract } from './site-store.contract.ts';
import { corruptRevision } from './sqlite-damage.ts';

runSiteStoreContract('sqlite on a worker thread', async (path) => openThreadedSiteStore(path).store, {
  corruptRevision,
});
runSiteStoreContract(
  'sqlite on a worker thread, reads on the calling thread',
  async (path) => openThreadedSiteStore(path).readsHere,
  {
    corruptRevision,
  },
);
