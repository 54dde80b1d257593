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

function isDue(rule: SupersedenceRule, supersedingCreated: string, now: Date): boolean {
  if (rule.mode === 'immediate') return true;
  const created = new Date(supersedingCreated);
  if (Number.isNaN(created.getTime())) return false;
  return addMonths(created, rule.months).getTime() <= now.getTime();
}

/**
 * The superseded update ids whose expiry is due under `rules` at `now`. An update superseded by
 * several updates is due as soon as one of them makes it due.
 */
export function dueForExpiry(edges: Iterable<SupersedenceEdge>, rules: SupersedenceRules, now: Date): string[] {
  const due = new Set<string>();
  for (const e of edges) {
    if (due.has(e.supersededId)) continue;
    const rule = e.supersededIsFeature ? rules.feature : rules.nonFeature;
    if (isDue(rule, e.supersedingCreated, now)) due.add(e.supersededId);
  }
  return [...due];
}
