/**
 * The scheduler's view of time: the current time and one-shot timers. Injected so tests move time
 * forward by hand instead of sleeping.
 */

/** A pending timer, opaque to the scheduler. */
export type TimerHandle = { readonly __timer: unique symbol };

export interface SchedulerClock {
  now(): Date;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => Promise<void>): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Wall-clock time and Node timers; timers do not keep the process alive. */
export const systemClock: SchedulerClock = {
  now: () => new Date(),
  setTimer(ms, fn) {
    const t = setTimeout(() => void fn(), ms);
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};
