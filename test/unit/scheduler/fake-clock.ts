/**
 * A scheduler clock the test moves by hand: `advance(ms)` fires due timers in time order, each at
 * its own moment, and waits for what they start.
 */
import type { SchedulerClock, TimerHandle } from '../../../src/scheduler/scheduler-clock.ts';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => Promise<void>;
}

export class FakeClock implements SchedulerClock {
  private t: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start: string | Date) {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  setTimer(ms: number, fn: () => Promise<void>): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== (handle as unknown as number));
  }

  /** Pending timers (at most one for a scheduler). */
  pending(): readonly Date[] {
    return this.timers.map((t) => new Date(t.at));
  }

  /** Moves time forward by `ms`, firing due timers in order and awaiting each. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = Math.max(this.t, due.at);
      await due.fn();
      await settle();
    }
    this.t = target;
  }

  /** Sets the time without firing anything (a clock that jumped). */
  set(time: string): void {
    this.t = new Date(time).getTime();
  }
}

/** Lets promise chains started by a timer (ticket.finished.then(refresh)) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
