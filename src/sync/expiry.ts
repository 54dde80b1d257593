/**
 * Supersedence rules, as the SUP's "Supersedence Rules" page sets them: a superseded update is
 * expired immediately, or N months (1–99) after the creation date of the update that supersedes it,
 * with a separate rule for feature updates. Pure: the caller passes the edges and the clock.
 */
import type { SupersedenceRule, SupersedenceRules } from '../site/settings.ts';

import type { SupersedenceEdge } from '../store/site-store.ts';

/** `date` plus `months` calendar months, clamped to the end of the month like ConfigMgr's date math. */
export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/** When an edge's superseded end becomes due: at once, N months later, or never (no valid date). */
function dueAt(rule: SupersedenceRule, supersedingCreated: string): number {
  if (rule.mode === 'immediate') return Number.NEGATIVE_INFINITY;
  const created = new Date(supersedingCreated);
  if (Number.isNaN(created.getTime())) return Number.POSITIVE_INFINITY;
  return addMonths(created, rule.months).getTime();
}

function edgeDueAt(e: SupersedenceEdge, rules: SupersedenceRules): number {
  return dueAt(e.supersededIsFeature ? rules.feature : rules.nonFeature, e.supersedingCreated);
}

/**
 * The superseded update ids whose expiry is due under `rules` at `now`. An update superseded by
 * several updates is due as soon as one of them makes it due.
 */
export function dueForExpiry(edges: Iterable<SupersedenceEdge>, rules: SupersedenceRules, now: Date): string[] {
  const due = new Set<string>();
  for (const e of edges) {
    if (due.has(e.supersededId)) continue;
    if (edgeDueAt(e, rules) <= now.getTime()) due.add(e.supersededId);
  }
  return [...due];
}

/**
 * The earliest time after `now` at which one of `edges` becomes due, or undefined when none will
 * (every edge is due already, or has no valid date). Until then, with the same edges and rules,
 * `dueForExpiry` finds nothing new.
 */
export function nextExpiryDue(
  edges: Iterable<SupersedenceEdge>,
  rules: SupersedenceRules,
  now: Date,
): Date | undefined {
  let next = Number.POSITIVE_INFINITY;
  for (const e of edges) {
    const at = edgeDueAt(e, rules);
    if (at > now.getTime() && at < next) next = at;
  }
  return Number.isFinite(next) ? new Date(next) : undefined;
}
