/**
 * Dates of the release rhythm, all UTC: Patch Tuesday (the second Tuesday of a month, released at
 * 17:00 UTC, 10:00 in Redmond), the fourth Tuesday of optional previews, and numbers that follow
 * the calendar (KB numbers, definition and tool versions) so that a churn continuing a generated
 * catalog numbers its releases the way the generator would have.
 */

const DAY = 86_400_000;

/** First instant of the month of `d`. */
export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** `d`'s month start moved by `months`. */
export function addMonths(d: Date, months: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
}

/** The n-th Tuesday (1-based) of the month of `month`, at `hour`:00 UTC. */
export function nthTuesday(month: Date, n: number, hour = 17): Date {
  const first = monthStart(month);
  const offset = (2 - first.getUTCDay() + 7) % 7; // 2 = Tuesday
  return new Date(first.getTime() + (offset + (n - 1) * 7) * DAY + hour * 3_600_000);
}

/** Patch Tuesday of the month of `month`. */
export function patchTuesday(month: Date): Date {
  return nthTuesday(month, 2);
}

/** `YYYY-MM` of `d`, the prefix of Windows release titles. */
export function yearMonth(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** Months since January 2015: the clock of KB and version numbers. */
export function monthIndex(d: Date): number {
  return (d.getUTCFullYear() - 2015) * 12 + d.getUTCMonth();
}

/** A KB number for `slot` within the month of `d`; slots keep series of one month apart. */
export function kbNumber(d: Date, slot: number): string {
  return String(4_900_000 + monthIndex(d) * 1000 + (slot % 1000));
}

/** Definition version from the release time, as `1.<month>.<half-hour of month>.0` (1.459.x in October 2026). */
export function definitionVersion(d: Date): string {
  const halfHour = Math.floor((d.getTime() - monthStart(d).getTime()) / 1_800_000);
  return `1.${318 + monthIndex(d)}.${halfHour}.0`;
}

/** Defender engine version of the month (`1.1.<yymm>.<n>`). */
export function engineVersion(d: Date): string {
  return `1.1.${yearMonth(d).slice(2).replace('-', '')}0.${1 + (monthIndex(d) % 5)}`;
}

/** MSRT minor version of the month (v5.130 in October 2026). */
export function msrtVersion(d: Date): string {
  return String(monthIndex(d) - 11);
}

/** The Windows 11 version current at `d` (a new one each October: 21H2 … 25H2). */
export function windows11Version(d: Date): string {
  const year = d.getUTCFullYear() - (d.getUTCMonth() < 9 ? 1 : 0);
  return `${String(Math.max(21, year - 2000))}H2`;
}

/** A random instant in [from, to). */
export function between(from: Date, to: Date, r: number): Date {
  return new Date(from.getTime() + Math.floor((to.getTime() - from.getTime()) * r));
}
