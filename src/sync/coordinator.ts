/**
 * One sync per site at a time. A request while a sync runs is queued once; further requests
 * coalesce into the queued one, and a full request upgrades a queued delta (SyncNow semantics:
 * the caller gets the run id at once and polls or streams its progress).
 */
import { requireSettings, type SiteStore, type SyncRunRecord, type SyncTrigger } from '../store/site-store.ts';
import type { SyncEngine } from './engine.ts';

export interface SyncRequest {
  readonly full: boolean;
  readonly trigger: SyncTrigger;
  readonly requestedBy?: string;
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
  readonly finished: Promise<SyncRunRecord>;
  readonly resolve: (r: SyncRunRecord) => void;
}

export class SyncCoordinator {
  private current: Pending | undefined;
  private queued: Pending | undefined;
  private abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SiteStore,
    private readonly engine: SyncEngine,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Marks runs left queued or running by a process that died as failed, so history stays true. */
  async recoverInterrupted(): Promise<number> {
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
   * @throws SupsyncError `STORE_NOT_INITIALIZED` when the database holds no site (no run is recorded).
   */
  async request(req: SyncRequest): Promise<SyncTicket> {
    if (this.queued !== undefined) {
      if (req.full && this.queued.run.kind === 'delta') {
        this.queued.run = await this.store.updateRun(this.queued.run.id, {
          kind: 'full',
          reason: 'full synchronization requested',
        });
      }
      return { run: this.queued.run, coalesced: true, finished: this.queued.finished };
    }
    const settings = await requireSettings(this.store);
    const run = await this.store.createRun({
      kind: req.full ? 'full' : 'delta',
      reason: req.full ? 'full synchronization requested' : 'pending plan',
      trigger: req.trigger,
      ...(req.requestedBy === undefined ? {} : { requestedBy: req.requestedBy }),
      state: 'queued',
      queuedAt: this.now().toISOString(),
      upstreamUrl: settings.upstreamUrl,
    });
    const pending = deferred(run);
    if (this.current === undefined) this.start(pending);
    else this.queued = pending;
    return { run, coalesced: false, finished: pending.finished };
  }

  /** The run in progress, if any, and the queued one. */
  snapshot(): { running: SyncRunRecord | undefined; queued: SyncRunRecord | undefined } {
    return { running: this.current?.run, queued: this.queued?.run };
  }

  /** Stops the running sync at its next safe point, drops the queued one, and waits. */
  async shutdown(): Promise<void> {
    const queued = this.queued;
    this.queued = undefined;
    if (queued !== undefined) {
      const run = await this.store.updateRun(queued.run.id, {
        state: 'cancelled',
        finishedAt: this.now().toISOString(),
      });
      queued.resolve(run);
    }
    this.abort.abort();
    await this.idle;
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
        result = await this.engine.execute(p.run, this.abort.signal);
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
      if (next !== undefined && !this.abort.signal.aborted) this.start(next);
    })();
  }
}

function deferred(run: SyncRunRecord): Pending {
  let resolve!: (r: SyncRunRecord) => void;
  const finished = new Promise<SyncRunRecord>((r) => {
    resolve = r;
  });
  return { run, finished, resolve };
}
