/**
 * Deciding whether the next sync is full or delta, and why — ConfigMgr's rules: the first sync is
 * full; a requested full is full; otherwise delta, escalated to full when the subscription, the
 * upstream (default SUP) or the supersedence rules changed, when the full-sync interval has passed,
 * or when the stored anchor cannot be used. Pure: no I/O, the clock comes in as `now`.
 */
import { createHash } from 'node:crypto';
import type { SupSettings } from '../site/settings.ts';
import type { SyncKind, SyncState } from '../store/site-store.ts';

export interface SyncPlan {
  readonly kind: SyncKind;
  /** The first reason, as recorded with the run. */
  readonly reason: string;
  /** Every reason that applies (a full sync may have several). */
  readonly reasons: readonly string[];
}

/** The parts of the settings whose change forces a full sync, each hashed on its own. */
export interface SettingsFingerprint {
  readonly subscription: string;
  readonly supersedence: string;
}

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
const sorted = (sel: 'all' | readonly string[]) => (sel === 'all' ? 'all' : [...sel].sort());

export function fingerprintSettings(s: SupSettings): SettingsFingerprint {
  return {
    subscription: hash({ p: sorted(s.products), c: sorted(s.classifications), l: [...s.languages].sort() }),
    supersedence: hash(s.supersedence),
  };
}

export function encodeFingerprint(f: SettingsFingerprint): string {
  return JSON.stringify(f);
}

function decodeFingerprint(s: string | undefined): SettingsFingerprint | undefined {
  if (s === undefined) return undefined;
  try {
    const v = JSON.parse(s) as Partial<SettingsFingerprint>;
    return typeof v.subscription === 'string' && typeof v.supersedence === 'string'
      ? { subscription: v.subscription, supersedence: v.supersedence }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface PlanInput {
  readonly requestedFull: boolean;
  readonly settings: SupSettings;
  /** Sync state for the configured upstream (undefined: never synced from it). */
  readonly state: SyncState | undefined;
  /** Upstream of the last successful sync from any upstream (undefined: never succeeded). */
  readonly previousUpstream: string | undefined;
  readonly now: Date;
}

const DAY_MS = 86_400_000;

/** Plans the next sync. */
export function planSync(input: PlanInput): SyncPlan {
  const { settings, state, now } = input;
  const reasons: string[] = [];
  const neverSynced = state?.lastSuccessAt === undefined;
  if (neverSynced && input.previousUpstream !== undefined && input.previousUpstream !== settings.upstreamUrl) {
    reasons.push(`upstream changed from ${input.previousUpstream} to ${settings.upstreamUrl}`);
  } else if (neverSynced) {
    reasons.push('first synchronization from this upstream');
  }
  if (input.requestedFull) reasons.push('full synchronization requested');
  if (!neverSynced && state !== undefined) {
    const before = decodeFingerprint(state.fingerprint);
    const current = fingerprintSettings(settings);
    if (before === undefined) reasons.push('no record of the settings of the last sync');
    else {
      if (before.subscription !== current.subscription)
        reasons.push('subscription changed (products, classifications or languages)');
      if (before.supersedence !== current.supersedence) reasons.push('supersedence rules changed');
    }
    const lastFull = state.lastFullSyncAt === undefined ? undefined : Date.parse(state.lastFullSyncAt);
    if (lastFull === undefined || Number.isNaN(lastFull)) reasons.push('no full synchronization on record');
    else if (now.getTime() - lastFull >= settings.fullSyncIntervalDays * DAY_MS) {
      reasons.push(`full-sync interval of ${settings.fullSyncIntervalDays} days has passed since the last full sync`);
    }
    if (state.updateAnchor === undefined || state.categoryAnchor === undefined)
      reasons.push('stored anchor is missing');
  }
  if (reasons.length > 0) return { kind: 'full', reason: reasons[0] as string, reasons };
  return {
    kind: 'delta',
    reason: 'changes since the last successful sync',
    reasons: ['changes since the last successful sync'],
  };
}
