/**
 * Live progress of sync runs for the API: the engine's events fanned out per run id, and the latest
 * phase / progress of each running run (the store keeps only the finished counts). Feeds the
 * `GET /runs/:id/events` stream and the `Running` field of the status.
 */
import type { SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent, SyncPhase } from '../sync/engine.ts';

/** The events a run's stream carries. */
export type RunEvent = Exclude<SyncEvent, { kind: 'alert' }>;

export interface LiveProgress {
  readonly runId: number;
  readonly phase: SyncPhase;
  readonly done: number;
  readonly total: number;
  readonly etaSeconds: number | null;
}

type Listener = (event: RunEvent) => void;

function runIdOf(event: RunEvent): number {
  return event.kind === 'finished' ? event.run.id : event.runId;
}

export class RunEventHub {
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly live = new Map<number, LiveProgress>();
  private readonly finished = new Map<number, SyncRunRecord>();

  /** Takes every engine event; alerts are not part of a run's stream. */
  publish(event: SyncEvent): void {
    if (event.kind === 'alert') return;
    const runId = runIdOf(event);
    if (event.kind === 'started')
      this.live.set(runId, { runId, phase: 'connecting', done: 0, total: 0, etaSeconds: null });
    else if (event.kind === 'phase')
      this.live.set(runId, { runId, phase: event.phase, done: 0, total: event.total, etaSeconds: null });
    else if (event.kind === 'progress') {
      this.live.set(runId, {
        runId,
        phase: event.phase,
        done: event.done,
        total: event.total,
        etaSeconds: event.etaSeconds,
      });
    } else {
      this.live.delete(runId);
      this.finished.set(runId, event.run);
      // Only the last few are needed: they close the race between reading a run and subscribing.
      if (this.finished.size > 20) this.finished.delete(this.finished.keys().next().value as number);
    }
    for (const listener of [...(this.listeners.get(runId) ?? [])]) listener(event);
    if (event.kind === 'finished') this.listeners.delete(runId);
  }

  /** Calls `listener` with the events of run `runId` until it finishes; returns the unsubscribe. */
  subscribe(runId: number, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(runId);
      s?.delete(listener);
      if (s?.size === 0) this.listeners.delete(runId);
    };
  }

  /**
   * Resolves when run `runId` finishes in this process, or after `ms`, or when `signal` aborts,
   * whichever comes first. A run another process runs sends no events here: the caller reads the
   * store again after each wait.
   */
  waitForEnd(runId: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.finished.has(runId) || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.subscribe(runId, (event) => {
        if (event.kind === 'finished') done();
      });
      signal.addEventListener('abort', done);
    });
  }

  /** A run as the API shows it: the stored record plus its live progress while it runs. */
  view(run: SyncRunRecord): SyncRunRecord & { progress: LiveProgress | null } {
    return { ...run, progress: run.state === 'running' ? (this.live.get(run.id) ?? null) : null };
  }

  /** The latest progress of a running run. */
  progressOf(runId: number): LiveProgress | undefined {
    return this.live.get(runId);
  }

  /** The finished record of a run that finished in this process (recent ones only). */
  finishedRun(runId: number): SyncRunRecord | undefined {
    return this.finished.get(runId);
  }
}
