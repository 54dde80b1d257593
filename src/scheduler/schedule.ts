/**
 * When the next scheduled sync is due — pure functions of the schedule, the last run and the clock.
 * Schedules are ConfigMgr's and Patch My PC's: every N hours, daily or weekly at a UTC time, a cron
 * expression, or none (sync disabled). A sync missed while the service was down runs once at
 * start (at most one catch-up run), like Pulp's schedules.
 */
import { nextCronRun } from '../site/cron.ts';
import type { SyncSchedule, Weekday } from '../site/settings.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEKDAYS: readonly Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** The first time strictly after `after` that is `hhmm` UTC, on `weekday` if given. */
function nextAtTime(after: Date, hhmm: string, weekday?: Weekday): Date {
  const day = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
  let at = new Date(day.getTime() + minutesOf(hhmm) * 60_000);
  if (weekday === undefined) return at.getTime() > after.getTime() ? at : new Date(at.getTime() + DAY_MS);
  const ahead = (WEEKDAYS.indexOf(weekday) - at.getUTCDay() + 7) % 7;
  at = new Date(at.getTime() + ahead * DAY_MS);
  return at.getTime() > after.getTime() ? at : new Date(at.getTime() + 7 * DAY_MS);
}

/**
 * The next time `schedule` fires strictly after `after`; undefined for `none` (or a cron expression
 * that never fires again). `hours: N` fires N hours after `after`: it counts from the last sync.
 */
export function nextFire(schedule: SyncSchedule, after: Date): Date | undefined {
  switch (schedule.kind) {
    case 'none':
      return undefined;
    case 'hours':
      return new Date(after.getTime() + schedule.every * HOUR_MS);
    case 'daily':
      return nextAtTime(after, schedule.at);
    case 'weekly':
      return nextAtTime(after, schedule.at, schedule.day);
    case 'cron':
      return nextCronRun(schedule.expression, after);
  }
}

/**
 * When the next scheduled sync is due, given when the last sync (of any trigger) was requested:
 * the schedule's next firing after that sync; `now` when that moment already passed (a missed
 * run, caught up once) or when the site never synced; undefined when sync is disabled.
 */
export function nextDue(schedule: SyncSchedule, lastRunAt: Date | undefined, now: Date): Date | undefined {
  if (schedule.kind === 'none') return undefined;
  if (lastRunAt === undefined) return now;
  const next = nextFire(schedule, lastRunAt);
  if (next === undefined) return undefined;
  return next.getTime() <= now.getTime() ? now : next;
}
