/**
 * The SQLite site store on a thread of its own. A worker thread (store-worker.ts) owns the
 * read-write connection and runs every call posted to it, one at a time in the order made, exactly
 * as the in-thread store would; the calling thread only posts the call and awaits the answer. So a
 * long write — the closing membership refresh of a big first sync, some 14 s at 150k updates —
 * never blocks the caller's event loop, and the caller fetches and parses the next batch while the
 * worker commits the last one.
 *
 * A store thread hands out two façades of the same port: `store`, where every call runs in the
 * worker (for the sync engine: its reads see its own writes in order), and `readsHere`, which
 * answers the port's reads from a read-only connection on the calling thread and posts only the
 * writes (for the API: WAL readers see the last committed state and are never blocked by the writer,
 * so status, progress and update queries answer while a sync writes).
 */
import { Worker } from 'node:worker_threads';
import { SupsyncError } from '../../shared/errors.ts';
import type { SiteStore, StoreCapabilities, SyncLease } from '../site-store.ts';
import { openSqliteSiteStore } from './sqlite-site-store.ts';
import { deserializeError, type ForwardedMethod, type StoreCall, type StoreReply } from './thread-protocol.ts';

/** Every port method that only reads: what `readsHere` answers on the calling thread. */
const READS = [
  'getSettings',
  'checkRevisions',
  'getRevisions',
  'getRevisionDocuments',
  'listLatestIdentities',
  'listRevisionsForDownstream',
  'currentSeq',
  'listBundleMembers',
  'listUpdateScopes',
  'listPrerequisiteIds',
  'storedUpdateIds',
  'listSupersedenceEdges',
  'listExpiredUpdateIds',
  'listCategories',
  'queryUpdates',
  'getUpdate',
  'countUpdatesByState',
  'getSyncState',
  'getSyncLease',
  'getCatalogVersion',
  'getExpiryCheckpoint',
  'getRun',
  'listRuns',
  'listStatusMessages',
  'findTokenByHash',
  'listTokens',
  'listAudit',
  'listAlerts',
  'listChildSites',
] as const satisfies readonly ForwardedMethod[];

const WRITES = [
  'initSite',
  'saveSettings',
  'putRevisions',
  'expireUpdates',
  'unexpireUpdates',
  'removeExpiredBefore',
  'setDeployed',
  'patchSyncState',
  'renewSyncLease',
  'releaseSyncLease',
  'setCatalogVersion',
  'saveExpiryCheckpoint',
  'createRun',
  'updateRun',
  'addStatusMessage',
  'createToken',
  'touchToken',
  'revokeToken',
  'addAudit',
  'raiseAlert',
  'cancelAlerts',
  'putChildSite',
  'removeChildSite',
  'recordChildNotification',
] as const satisfies readonly ForwardedMethod[];

// A port method added without saying whether it reads or writes fails to compile here.
type Unlisted = Exclude<ForwardedMethod, (typeof READS)[number] | (typeof WRITES)[number]>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

const CAPABILITIES: StoreCapabilities = Object.freeze({ concurrentWriters: false });

/** How often acquireSyncLease re-reads a lease that changed between its read and its write. */
const LEASE_RETRIES = 3;

/**
 * The worker: the compiled module next to this one, or, when the sources run through tsx, a
 * bootstrap that registers tsx in the worker first — Node 20 does not apply a parent's loader, nor
 * `--import` in a worker's execArgv, to the worker's own entry module.
 */
function startWorker(path: string): Worker {
  const options = { workerData: { path } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store-worker.js', import.meta.url), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./store-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`, {
    ...options,
    eval: true,
  });
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** One worker thread and the calls in flight to it. */
class StoreThread {
  readonly #path: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #opened: Promise<unknown>;
  #next = 1;
  #stopped: SupsyncError | undefined;
  #reader: SiteStore | undefined;
  #closing: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#worker = startWorker(path);
    // Id 0 is the worker's answer to opening the store.
    this.#opened = new Promise((resolve, reject) => this.#pending.set(0, { resolve, reject }));
    this.#opened.catch(() => undefined);
    this.#worker.on('message', (reply: StoreReply) => this.#settle(reply));
    this.#worker.on('error', (err) => this.#stop(`it failed: ${err.message}`));
    this.#worker.on('exit', (code) => this.#stop(`it exited with code ${code}`));
  }

  async call(method: StoreCall['method'], args: readonly unknown[]): Promise<unknown> {
    await this.#opened;
    if (this.#stopped !== undefined) throw this.#stopped;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#track();
      try {
        this.#worker.postMessage({ id, method, args } satisfies StoreCall);
      } catch (err) {
        this.#pending.delete(id);
        this.#track();
        reject(new SupsyncError('INTERNAL', `${method}: cannot hand the call to the store thread: ${String(err)}`));
      }
    });
  }

  /** The read-only connection on this thread, opened once the worker has created and migrated the database. */
  async reader(): Promise<SiteStore> {
    await this.#opened;
    if (this.#stopped !== undefined) throw this.#stopped;
    this.#reader ??= openSqliteSiteStore(this.#path, { readonly: true });
    return this.#reader;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#reader?.close();
      if (this.#stopped === undefined) await this.call('close', []).catch(() => undefined);
      this.#stopped ??= new SupsyncError('STORE_IO', 'the site store is closed');
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  #settle(reply: StoreReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    this.#track();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(deserializeError(reply.error));
  }

  /** The worker is gone: every call in flight, and every later one, fails with STORE_IO. */
  #stop(why: string): void {
    this.#stopped ??= new SupsyncError('STORE_IO', `the site store thread stopped: ${why}`);
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }

  /** The worker keeps the process alive only while a call is in flight, like the in-thread store. */
  #track(): void {
    if (this.#pending.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}

function facade(thread: StoreThread, readsHere: boolean): SiteStore {
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const m of WRITES) methods[m] = (...args) => thread.call(m, args);
  for (const m of READS) {
    methods[m] = readsHere
      ? async (...args) => {
          const reader = await thread.reader();
          return (reader[m] as (...a: unknown[]) => Promise<unknown>).apply(reader, args);
        }
      : (...args) => thread.call(m, args);
  }
  const acquireSyncLease = async (lease: SyncLease, canTakeOver: (current: SyncLease) => boolean) => {
    // The callback cannot cross threads: judge the lease here, then take it in the worker only if it
    // is still the one judged. A lease that changed in between is judged again.
    let current = (await thread.call('getSyncLease', [])) as SyncLease | undefined;
    for (let i = 0; ; i++) {
      if (current !== undefined && current.holder !== lease.holder && !canTakeOver(current)) return current;
      const holder = (await thread.call('acquireSyncLeaseOver', [lease, current ?? null])) as SyncLease;
      if (holder.holder === lease.holder || i === LEASE_RETRIES) return holder;
      current = holder;
    }
  };
  return { capabilities: CAPABILITIES, ...methods, acquireSyncLease, close: () => thread.close() } as SiteStore;
}

export interface ThreadedSiteStore {
  /** Every call runs in the worker, in order. */
  readonly store: SiteStore;
  /** Reads on a read-only connection of the calling thread; writes in the worker. */
  readonly readsHere: SiteStore;
}

/**
 * Starts a worker thread that opens (creating and migrating if needed) the SQLite database at
 * `path`. Opening errors (STORE_IO, STORE_SCHEMA_NEWER) surface on the first call. Closing either
 * façade closes both.
 */
export function openThreadedSiteStore(path: string): ThreadedSiteStore {
  const thread = new StoreThread(path);
  return { store: facade(thread, false), readsHere: facade(thread, true) };
}
