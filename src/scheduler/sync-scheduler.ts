/**
 * The sync scheduler: triggers scheduled syncs and the retry 60 minutes after a failed sync, as
 * WSyncMgr does ("Sync failed. Will retry in 60 minutes"). It only ever asks for a delta: the engine
 * escalates to full when the full-sync interval passed or the settings changed. It never overlaps a
 * running sync: a tick that finds one running is skipped and logged, and the schedule is worked
 * out again once the site is idle.
 *
 * All state is derived from the store (the settings and the last runs) each time something changes,
 * so a restart, a manual sync or a settings change all lead to the same answer.
 */
import type { SiteStore, SyncRunRecord, SyncTrigger } from '../store/site-store.ts';
import type { SyncCoordinator } from '../sync/coordinator.ts';
import type { SyncLog } from '../sync/wsyncmgr-log.ts';
import { nextDue } from './schedule.ts';
import { type SchedulerClock, systemClock, type TimerHandle } from './scheduler-clock.ts';

/** The next sync the scheduler will trigger. */
export interface PlannedSync {
  readonly at: Date;
  readonly trigger: Extract<SyncTrigger, 'schedule' | 'retry'>;
}

export interface SyncSchedulerOptions {
  readonly store: Pick<SiteStore, 'getSettings' | 'listRuns'>;
  readonly coordinator: Pick<SyncCoordinator, 'request' | 'snapshot' | 'whenIdle'>;
  readonly clock?: SchedulerClock;
  readonly log?: SyncLog;
  /** Minutes after a failed sync before the retry. Default 60 (ConfigMgr). */
  readonly retryMinutes?: number;
  /** Longest single sleep; the plan is re-checked on waking, so clock jumps cannot strand it. Default 1 h. */
  readonly maxSleepMs?: number;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export class SyncScheduler {
  private readonly clock: SchedulerClock;
  private readonly retryMs: number;
  private readonly maxSleepMs: number;
  private running = false;
  private timer: TimerHandle | undefined;
  private next: PlannedSync | undefined;
  /** Bumped by every refresh, so an older refresh that finishes late does not overwrite a newer plan. */
  private generation = 0;

  constructor(private readonly opts: SyncSchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.retryMs = (opts.retryMinutes ?? 60) * 60_000;
    this.maxSleepMs = opts.maxSleepMs ?? 3_600_000;
  }

  /** Starts scheduling (works out the first run from the store). */
  async start(): Promise<void> {
    this.running = true;
    await this.refresh();
  }

  /** Stops scheduling; a sync already running is not touched. */
  stop(): void {
    this.running = false;
    this.generation++;
    this.arm(undefined);
  }

  /** When the scheduler will next trigger a sync, if ever (for NextScheduledSync). */
  nextRun(): Date | undefined {
    return this.next?.at;
  }

  /** The next planned sync with its trigger. */
  planned(): PlannedSync | undefined {
    return this.next;
  }

  /** The settings changed (schedule, upstream): work out the next run again. */
  async settingsChanged(): Promise<void> {
    await this.refresh();
  }

  /** A sync finished (whoever triggered it): a failure plans the retry, a success the next regular sync. */
  async runFinished(): Promise<void> {
    await this.refresh();
  }

  /** Recomputes the plan from the store and arms the timer. */
  async refresh(): Promise<void> {
    if (!this.running) return;
    const generation = ++this.generation;
    const plan = await this.compute();
    if (generation !== this.generation || !this.running) return;
    this.arm(plan);
  }

  /** A refresh nobody awaits: a failure (the store is unusable) is logged, not left unhandled. */
  private async refreshLogged(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.log('error', `Could not work out the next sync: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async compute(): Promise<PlannedSync | undefined> {
    const settings = await this.opts.store.getSettings();
    // A site without an upstream is a catalog source: there is nothing to sync from.
    if (settings === undefined || settings.upstreamUrl === 'none') return undefined;
    const runs = await this.opts.store.listRuns(20);
    const now = this.clock.now();
    const newest = runs[0];
    const at = nextDue(settings.schedule, newest === undefined ? undefined : new Date(newest.queuedAt), now);
    let plan: PlannedSync | undefined = at === undefined ? undefined : { at, trigger: 'schedule' };
    const retry = this.retryAt(runs, now);
    if (retry !== undefined && (plan === undefined || retry.getTime() < plan.at.getTime()))
      plan = { at: retry, trigger: 'retry' };
    return plan;
  }

  /** When the last finished sync failed: its finish plus the retry delay (now, if that passed). */
  private retryAt(runs: readonly SyncRunRecord[], now: Date): Date | undefined {
    const last = runs.find((r) => TERMINAL.has(r.state));
    if (last?.state !== 'failed') return undefined;
    // A newer run already queued or running answers the failure; no retry on top of it.
    if (runs.some((r) => r.id > last.id && !TERMINAL.has(r.state))) return undefined;
    const finished = Date.parse(last.finishedAt ?? last.queuedAt);
    return new Date(Math.max(now.getTime(), finished + this.retryMs));
  }

  private arm(plan: PlannedSync | undefined): void {
    if (plan !== undefined && (plan.at.getTime() !== this.next?.at.getTime() || plan.trigger !== this.next?.trigger)) {
      this.log(
        'info',
        `Next scheduled sync is a ${plan.trigger === 'retry' ? 'retry' : 'regular'} sync at ${plan.at.toISOString()}`,
      );
    }
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.next = plan;
    if (plan === undefined) return;
    const delay = Math.min(this.maxSleepMs, Math.max(0, plan.at.getTime() - this.clock.now().getTime()));
    this.timer = this.clock.setTimer(delay, () => this.fire(plan));
  }

  private async fire(plan: PlannedSync): Promise<void> {
    this.timer = undefined;
    if (!this.running || this.next !== plan) return;
    if (this.clock.now().getTime() < plan.at.getTime()) {
      await this.refresh(); // woke from a capped sleep
      return;
    }
    const { running, queued } = this.opts.coordinator.snapshot();
    const busy = running ?? queued;
    if (busy !== undefined) {
      this.log(
        'info',
        `Skipping the ${plan.trigger === 'retry' ? 'retry' : 'scheduled'} sync: sync #${busy.id} is in progress`,
      );
      this.next = undefined;
      void this.opts.coordinator.whenIdle().then(() => this.refreshLogged());
      return;
    }
    this.log(
      'info',
      plan.trigger === 'retry' ? 'Wakeup to retry the failed sync' : 'Wakeup for scheduled regular sync',
    );
    try {
      const ticket = await this.opts.coordinator.request({ full: false, trigger: plan.trigger });
      this.next = undefined;
      void ticket.finished.then(() => this.refreshLogged());
    } catch (err) {
      this.log(
        'error',
        `Could not start the ${plan.trigger} sync: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.arm({ at: new Date(this.clock.now().getTime() + this.retryMs), trigger: 'retry' });
    }
  }

  private log(level: 'info' | 'error', message: string): void {
    this.opts.log?.write(level, message);
  }
}
