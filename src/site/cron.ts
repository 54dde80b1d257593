/** Cron expressions for the sync schedule, checked and evaluated with croner (UTC). */
import { Cron } from 'croner';

/** Throws when `expression` is not a valid cron expression. */
export function validateCron(expression: string): void {
  new Cron(expression, { paused: true, timezone: 'UTC' }).stop();
}

/** The next time `expression` fires after `from`, or undefined if never. */
export function nextCronRun(expression: string, from: Date): Date | undefined {
  const job = new Cron(expression, { paused: true, timezone: 'UTC' });
  const next = job.nextRun(from) ?? undefined;
  job.stop();
  return next;
}
