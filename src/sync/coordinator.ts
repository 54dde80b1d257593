/**
 * One sync per site at a time. A request while a sync runs is queued once; further requests
 * coalesce into the queued one, and a full request upgrades a queued delta (SyncNow semantics:
 * the caller gets the run id at once and polls or streams its progress).
 *
 * Across processes (a `supsync sync` next to a running `supsync serve`), the site's sync lease
 * decides: a run starts only when its process takes the lease, and renews it while it runs. A run
 * that finds another live process holding it ends at once, cancelled with SYNC_IN_PROGRESS, and
 * the live run is left alone rather than taken for one a crash interrupted. A holder is gone when
 * its lease was not renewed for LEASE_STALE_MS, or at once when it was a process on this host that
 * has exited.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SupsyncError } from '../shared/errors.ts';
import {
  requireSettings,
  type SiteStore,
  type SyncLease,
  type SyncRunRecord,
  type SyncTrigger,
} from '../store/site-store.ts';
import type { ParentRequest, RunContext, RunSource, SyncEngine } from './engine.ts';

/** How often a running sync renews its lease, and how long an unrenewed lease counts as held. */
const LEASE_RENEW_MS = 30_000;
export const LEASE_STALE_MS = 120_000;

/** Whether a process with this id runs on this host (a process we may not signal still runs). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `lease` still belongs to a running sync at `now`. */
export function leaseIsLive(lease: SyncLease, now: Date, alive: (pid: number) => boolean = processAlive): boolean {
  if (now.getTime() - Date.parse(lease.renewedAt) > LEASE_STALE_MS) return false;
  return lease.host !== hostname() || alive(lease.pid);
}

export interface SyncRequest {
  readonly full: boolean;
  readonly trigger: SyncTrigger;
  readonly requestedBy?: string;
  /** Sync from this source instead of the upstream (an import); never queued behind another run. */
  readonly from?: RunSource;
  /** The parent site whose notification this is (trigger `parent`). */
  readonly parent?: ParentRequest;
}

export interface SyncTicket {
  readonly run: SyncRunRecord;
  /** true when the request joined a run that was already queued or running. */
  readonly coalesced: boolean;
  /** Resolves with the finished run. */
  readonly finished: Promise<SyncRunRecord>;
}

interface Pending {
  run: SyncRunRecord;
  /** What the engine is told about the run; a later request joining it adds its parent. */
  context: RunContext;
  /** Stops the run at its next safe point: a cancel, shutdown, or the sync lease taken over. */
  readonly stop: AbortController;
  readonly finished: Promise<SyncRunRecord>;
  readonly resolve: (r: SyncRunRecord) => void;
}

export class SyncCoordinator {
  /** This coordinator's name in the site's sync lease. */
  readonly leaseHolder = randomUUID();
  private current: Pending | undefined;
  private queued: Pending | undefined;
  /** Set by `shutdown()`: no queued run starts after it. */
  private closing = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SiteStore,
    private readonly engine: SyncEngine,
    private readonly now: () => Date = () => new Date(),
    private readonly leaseRenewMs: number = LEASE_RENEW_MS,
  ) {}

  /**
   * Marks runs left queued or running by a process that died as failed, so history stays true.
   * Does nothing while another live process holds the sync lease: its runs are not interrupted.
   */
  async recoverInterrupted(): Promise<number> {
    const lease = await this.store.getSyncLease();
    if (lease !== undefined && lease.holder !== this.leaseHolder && leaseIsLive(lease, this.now())) return 0;
    let n = 0;
    for (const run of await this.store.listRuns(20)) {
      if (run.state !== 'running' && run.state !== 'queued') continue;
      await this.store.updateRun(run.id, {
        state: 'failed',
        finishedAt: this.now().toISOString(),
        errorCode: 'ABORTED',
        errorMessage: 'the process stopped before this sync finished',
      });
      n++;
    }
    return n;
  }

  /**
   * Requests a sync; returns at once with the run that will serve it.
   * @throws SupsyncError `STORE_NOT_INITIALIZED` when the database holds no site; for an import,
   *   `SYNC_IN_PROGRESS` while a sync runs or waits and `CONFIG_INVALID` on a site with an upstream
   *   (no run is recorded).
   */
  async request(req: SyncRequest): Promise<SyncTicket> {
    if (req.from !== undefined && (this.current !== undefined || this.queued !== undefined)) {
      throw new SupsyncError(
        'SYNC_IN_PROGRESS',
        'a sync of this site is running or queued; import when it has finished',
      );
    }
    if (this.queued !== undefined) {
      if (req.full && this.queued.run.kind === 'delta') {
        this.queued.run = await this.store.updateRun(this.queued.run.id, {
          kind: 'full',
          reason: 'full synchronization requested',
        });
      }
      if (req.parent !== undefined) this.queued.context = { ...this.queued.context, parent: req.parent };
      return { run: this.queued.run, coalesced: true, finished: this.queued.finished };
    }
    const settings = await requireSettings(this.store);
    // A site's sync state belongs to its upstream: an import into a connected site would overwrite
    // the anchors of its next delta.
    if (req.from !== undefined && settings.upstreamUrl !== 'none') {
      throw new SupsyncError(
        'CONFIG_INVALID',
        `only a disconnected site imports export packages; this site syncs from ${settings.upstreamUrl} (supsync config set upstream none)`,
      );
    }
    const full = req.full || req.from !== undefined;
    const run = await this.store.createRun({
      kind: full ? 'full' : 'delta',
      reason: req.from?.reason ?? (full ? 'full synchronization requested' : 'pending plan'),
      trigger: req.trigger,
      ...(req.requestedBy === undefined ? {} : { requestedBy: req.requestedBy }),
      state: 'queued',
      queuedAt: this.now().toISOString(),
      upstreamUrl: settings.upstreamUrl,
    });
    const pending = deferred(run, {
      ...(req.from === undefined ? {} : { from: req.from }),
      ...(req.parent === undefined ? {} : { parent: req.parent }),
    });
    if (this.current === undefined) this.start(pending);
    else this.queued = pending;
    return { run, coalesced: false, finished: pending.finished };
  }

  /** The run in progress, if any, and the queued one. */
  snapshot(): { running: SyncRunRecord | undefined; queued: SyncRunRecord | undefined } {
    return { running: this.current?.run, queued: this.queued?.run };
  }

  /**
   * Cancels run `runId` on behalf of `by` (WSUS's *Stop Synchronization*): a queued run at once, the
   * running one at its next safe point. What it committed stays, and its anchors do not move, so
   * the next sync takes up from where the last successful one ended. Returns the run as it is now.
   * @throws SupsyncError `NOT_FOUND` for no such run, `SYNC_NOT_ACTIVE` for a run this process is
   *   not running or holding in its queue (finished, or run by another process).
   */
  async cancel(runId: number, by: string): Promise<SyncRunRecord> {
    const queued = this.queued;
    if (queued?.run.id === runId) return this.dropQueued(queued, `cancelled by ${by} before it started`);
    const current = this.current;
    if (current?.run.id === runId) {
      current.stop.abort(new SupsyncError('ABORTED', `cancelled by ${by}`));
      // The engine keeps the stored record current (running, its kind and reason); this one is the request's.
      return (await this.store.getRun(runId)) ?? current.run;
    }
    const run = await this.store.getRun(runId);
    if (run === undefined) throw new SupsyncError('NOT_FOUND', `no sync run ${runId}`);
    const where = run.state === 'running' || run.state === 'queued' ? ` in another process` : '';
    throw new SupsyncError('SYNC_NOT_ACTIVE', `sync run ${runId} is ${run.state}${where}; it cannot be cancelled here`);
  }

  /** Stops the running sync at its next safe point, drops the queued one, and waits. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const queued = this.queued;
    if (queued !== undefined) await this.dropQueued(queued, 'the process shut down before it started');
    this.current?.stop.abort();
    await this.idle;
  }

  /** Takes the queued run out of the queue, records it cancelled with `message`, and answers its waiters. */
  private async dropQueued(queued: Pending, message: string): Promise<SyncRunRecord> {
    this.queued = undefined;
    const run = await this.store.updateRun(queued.run.id, {
      state: 'cancelled',
      finishedAt: this.now().toISOString(),
      errorCode: 'ABORTED',
      errorMessage: message,
    });
    queued.resolve(run);
    return run;
  }

  /** Resolves when no sync is running or queued. */
  async whenIdle(): Promise<void> {
    while (this.current !== undefined) await this.idle;
  }

  private start(p: Pending): void {
    this.current = p;
    this.idle = (async () => {
      let result: SyncRunRecord;
      try {
        result = await this.underLease(p, (signal) => this.engine.execute(p.run, signal, p.context));
      } catch (err) {
        // execute() records failures itself; reaching here means the store is unusable.
        result = await this.store
          .updateRun(p.run.id, { state: 'failed', errorCode: 'INTERNAL', errorMessage: String(err) })
          .catch(() => ({ ...p.run, state: 'failed' as const }));
      }
      p.resolve(result);
      this.current = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next !== undefined && !this.closing) this.start(next);
    })();
  }

  /**
   * Runs `fn` holding the site's sync lease, or cancels `run` when another live process holds it.
   * `fn`'s signal aborts at shutdown, and when a renewal finds the lease taken over (a process that
   * judged this one gone): the run then stops at its next safe point instead of running alongside.
   */
  private async underLease(
    { run, stop }: Pending,
    fn: (signal: AbortSignal) => Promise<SyncRunRecord>,
  ): Promise<SyncRunRecord> {
    const now = this.now();
    const at = now.toISOString();
    const lease: SyncLease = {
      holder: this.leaseHolder,
      pid: process.pid,
      host: hostname(),
      runId: run.id,
      acquiredAt: at,
      renewedAt: at,
    };
    const holder = await this.store.acquireSyncLease(lease, (current) => !leaseIsLive(current, now));
    if (holder.holder !== this.leaseHolder) {
      // Not run, so not a failed sync: status and alerts keep describing the sync that is running.
      return this.store.updateRun(run.id, {
        state: 'cancelled',
        finishedAt: this.now().toISOString(),
        errorCode: 'SYNC_IN_PROGRESS',
        errorMessage: `another process is synchronizing this site (run ${holder.runId}, process ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}); this request was not run`,
      });
    }
    const renew = setInterval(() => {
      this.store.renewSyncLease(this.leaseHolder, this.now().toISOString()).then(
        (held) => {
          if (!held) {
            stop.abort(
              new SupsyncError('SYNC_IN_PROGRESS', 'another process took over the sync lease; this sync stopped'),
            );
          }
        },
        () => undefined,
      );
    }, this.leaseRenewMs);
    renew.unref();
    try {
      return await fn(stop.signal);
    } finally {
      clearInterval(renew);
      await this.store.releaseSyncLease(this.leaseHolder).catch(() => {});
    }
  }
}

function deferred(run: SyncRunRecord, context: RunContext): Pending {
  let resolve!: (r: SyncRunRecord) => void;
  const finished = new Promise<SyncRunRecord>((r) => {
    resolve = r;
  });
  return { run, context, stop: new AbortController(), finished, resolve };
}
