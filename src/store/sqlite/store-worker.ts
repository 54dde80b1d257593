/**
 * The worker thread behind threaded-site-store.ts: owns one read-write SQLite site store and runs
 * the calls posted to it one at a time, in the order they arrive. Never imported by other modules.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SiteStore, SyncLease } from '../site-store.ts';
import { openSqliteSiteStore } from './sqlite-site-store.ts';
import { type StoreCall, type StoreReply, serializeError } from './thread-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('store-worker.ts runs only as a worker thread');

/** The store, or undefined (with the error answered and the thread ending) when it cannot open. */
function open(path: string, p: MessagePort): SiteStore | undefined {
  try {
    const store = openSqliteSiteStore(path);
    p.postMessage({ id: 0, ok: true, value: undefined } satisfies StoreReply);
    return store;
  } catch (err) {
    p.postMessage({ id: 0, ok: false, error: serializeError(err) } satisfies StoreReply);
    p.close();
    return undefined;
  }
}

/** Is `current` still the lease the caller saw (and judged it could take over)? */
function sameLease(current: SyncLease, expected: SyncLease | null): boolean {
  return expected !== null && current.holder === expected.holder && current.renewedAt === expected.renewedAt;
}

async function run(s: SiteStore, call: StoreCall): Promise<unknown> {
  if (call.method === 'close') return s.close();
  if (call.method === 'acquireSyncLeaseOver') {
    const [lease, expected] = call.args as [SyncLease, SyncLease | null];
    return s.acquireSyncLease(lease, (current) => sameLease(current, expected));
  }
  const method = s[call.method] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(s, [...call.args]);
}

/** Answers the calls posted to `p`, one at a time, in the order they arrive. */
function serve(store: SiteStore, p: MessagePort): void {
  let queue: Promise<void> = Promise.resolve();
  p.on('message', (call: StoreCall) => {
    queue = queue.then(async () => {
      let reply: StoreReply;
      try {
        reply = { id: call.id, ok: true, value: await run(store, call) };
      } catch (err) {
        reply = { id: call.id, ok: false, error: serializeError(err) };
      }
      p.postMessage(reply);
      if (call.method === 'close') p.close();
    });
  });
}

const store = open((workerData as { path: string }).path, port);
if (store !== undefined) serve(store, port);
