/**
 * How many updates each month of the generated catalog gets, and which releases spend them.
 *
 * The span grows with the catalog (see {@link spanMonths}) and ends at `now`; each month's budget
 * is proportional to its length inside the span, so the total is exactly the number asked for.
 * A month spends its budget on Patch Tuesday first (the Windows cumulative updates, .NET, MSRT,
 * the Defender engine; in that order, so a small catalog still has every product's monthly chain),
 * then on Office/Visual Studio/SQL Server (35% of the rest), other Windows releases (10%), feature
 * updates (5%), drivers (4%), and Defender definition updates for the remainder, spread evenly over
 * the month. The last release of a family is cut down to what is left (a bundle with fewer leaves,
 * or a standalone update).
 */
import { addMonths, between, monthStart } from './calendar.ts';
import { appRelease, definitionRelease, driverRelease, MAX_DEFINITION_LEAVES } from './other-releases.ts';
import type { Prng } from './prng.ts';
import type { PlannedRelease } from './release-builder.ts';
import { featureRelease, windowsExtraRelease } from './windows-extra-releases.ts';
import { patchTuesdayReleases } from './windows-releases.ts';

/** One month of the span: releases fall in [from, to). */
export interface MonthWindow {
  readonly month: Date;
  readonly from: Date;
  readonly to: Date;
  readonly budget: number;
}

/**
 * Months the catalog spans for `updates` updates: about 500 updates a month (at which Defender
 * alone releases about twice a day), at least 3 months, at most 6 years (from 36,000 updates on,
 * months just get denser, as Microsoft Update's are).
 */
export function spanMonths(updates: number): number {
  return Math.min(72, Math.max(3, Math.ceil(updates / 500)));
}

/** The months of the span ending at `now`, with budgets summing to exactly `updates`. */
export function monthWindows(updates: number, now: Date): MonthWindow[] {
  const months = spanMonths(updates);
  const first = addMonths(monthStart(now), -(months - 1));
  const windows = Array.from({ length: months }, (_, i) => {
    const month = addMonths(first, i);
    const next = addMonths(first, i + 1);
    return { month, from: month, to: next < now ? next : now };
  });
  const lengths = windows.map((w) => Math.max(0, w.to.getTime() - w.from.getTime()));
  const total = lengths.reduce((a, b) => a + b, 0);
  // Largest remainder, so the budgets add up to `updates` exactly.
  const exact = lengths.map((l) => (total === 0 ? 0 : (updates * l) / total));
  const budgets = exact.map(Math.floor);
  let left = updates - budgets.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || b.i - a.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    if ((lengths[i] ?? 0) > 0) {
      budgets[i] = (budgets[i] ?? 0) + 1;
      left--;
    }
  }
  return windows.map((w, i) => ({ ...w, budget: budgets[i] ?? 0 }));
}

const FAMILIES = [
  { share: 0.35, next: appRelease },
  { share: 0.1, next: windowsExtraRelease },
  { share: 0.05, next: featureRelease },
  { share: 0.04, next: driverRelease },
] as const;

/** The releases of one month, in time order, spending exactly `w.budget` updates. */
export function planMonth(w: MonthWindow, rng: Prng): PlannedRelease[] {
  const out: PlannedRelease[] = [];
  let left = w.budget;
  const inWindow = (at: Date) => at >= w.from && at < w.to;
  // A release whose day falls outside the window (after `now`) moves to a random time inside it.
  const place = (r: PlannedRelease, size: number) => {
    const at = inWindow(r.at) ? r.at : between(w.from, w.to, rng.float());
    out.push({ ...r, at, size });
  };
  for (const r of patchTuesdayReleases(w.month, rng)) {
    if (left === 0) break;
    if (!inWindow(r.at)) continue;
    const size = Math.min(r.size, left);
    place(r, size);
    left -= size;
  }
  const shares = FAMILIES.map((f) => Math.floor(left * f.share));
  FAMILIES.forEach((family, k) => {
    let amount = shares[k] ?? 0;
    for (let i = 0; amount > 0; i++) {
      const r = family.next(w.month, i, rng);
      const size = Math.min(r.size, amount);
      place({ ...r, at: new Date(r.at.getTime() + i * 90_000 + rng.int(60_000)) }, size);
      amount -= size;
    }
  });
  planDefinitions(w, left - shares.reduce((a, b) => a + b, 0), rng, out);
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Definition releases for `amount` updates, evenly spaced over the window. */
function planDefinitions(w: MonthWindow, amount: number, rng: Prng, out: PlannedRelease[]): void {
  const sizes: number[] = [];
  while (amount > 0) {
    const size = Math.min(amount, 1 + rng.between(2, MAX_DEFINITION_LEAVES - 1));
    sizes.push(size);
    amount -= size;
  }
  const step = (w.to.getTime() - w.from.getTime()) / Math.max(1, sizes.length);
  sizes.forEach((size, j) => {
    const at = new Date(Math.min(w.to.getTime() - 1, w.from.getTime() + (j + 0.5) * step + rng.int(600_000)));
    out.push({ ...definitionRelease(at, Math.max(1, size - 1), rng), size });
  });
}
