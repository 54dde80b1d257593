/**
 * The SUP component settings of a site, as ConfigMgr keeps them in the site control file:
 * sync source, subscription (products, classifications, languages), supersedence rules, schedule,
 * full-sync interval. Plain data; validation lives in settings-validation.ts.
 */

/** How superseded updates are expired: at once, or N months (1–99) after the superseding update's creation. */
export type SupersedenceRule = { readonly mode: 'immediate' } | { readonly mode: 'months'; readonly months: number };

export interface SupersedenceRules {
  readonly nonFeature: SupersedenceRule;
  readonly feature: SupersedenceRule;
}

/** Sync schedule as ConfigMgr and Patch My PC offer it. Times are UTC `HH:MM`. */
export type SyncSchedule =
  | { readonly kind: 'none' }
  | { readonly kind: 'hours'; readonly every: number }
  | { readonly kind: 'daily'; readonly at: string }
  | { readonly kind: 'weekly'; readonly day: Weekday; readonly at: string }
  | { readonly kind: 'cron'; readonly expression: string };

export type Weekday = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';

/** `'all'` subscribes to every product (or classification) the upstream offers. */
export type CategorySelection = 'all' | readonly string[];

export interface SupSettings {
  /** Three-character ConfigMgr site code, e.g. `CS1`. */
  readonly siteCode: string;
  /** This SUP's server name (SMS_SUPSyncStatus.WSUSServerName). */
  readonly supName: string;
  /** Root URL of the upstream MS-WSUSSS server (Microsoft Update, a WSUS or a parent site). */
  readonly upstreamUrl: string;
  /** Extra trusted CA certificate (PEM file path) for HTTPS upstreams. */
  readonly upstreamCaFile?: string;
  readonly products: CategorySelection;
  readonly classifications: CategorySelection;
  /** Summary-details languages, e.g. `['en']`. */
  readonly languages: readonly string[];
  readonly supersedence: SupersedenceRules;
  /** Days after which a delta is escalated to a full sync (ConfigMgr "Full Sync Interval (days)"). */
  readonly fullSyncIntervalDays: number;
  /** Days an expired, undeployed update is kept before it is removed ("Updates Cleanup Age"). */
  readonly cleanupAgeDays: number;
  readonly schedule: SyncSchedule;
  /** Raise a sync-failure alert when a sync fails (EnableSyncFailureAlert). */
  readonly syncFailureAlert: boolean;
  /** Optional webhook that receives alert changes as JSON. */
  readonly alertWebhookUrl?: string;
}

export const DEFAULT_SETTINGS: Omit<SupSettings, 'siteCode' | 'supName' | 'upstreamUrl'> = Object.freeze({
  products: 'all',
  classifications: 'all',
  languages: Object.freeze(['en']),
  supersedence: Object.freeze({
    nonFeature: Object.freeze({ mode: 'months', months: 3 }),
    feature: Object.freeze({ mode: 'months', months: 3 }),
  }),
  fullSyncIntervalDays: 7,
  cleanupAgeDays: 7,
  schedule: Object.freeze({ kind: 'hours', every: 24 }),
  syncFailureAlert: true,
} as const);
