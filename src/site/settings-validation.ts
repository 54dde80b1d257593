/**
 * Validation of SUP settings and the `supsync config set <key> <value>` vocabulary.
 * Every rejection is a SupsyncError CONFIG_INVALID (or CONFIG_UNKNOWN_CATEGORY) naming the key.
 */
import { isGuid, normalizeGuid } from '../catalog/model.ts';
import { CLASSIFICATIONS, WELL_KNOWN_PRODUCTS } from '../catalog/well-known.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { CategorySummary } from '../store/site-store.ts';
import type { CategorySelection, SupersedenceRule, SupSettings, SyncSchedule, Weekday } from './settings.ts';

/** The keys `supsync config get|set` and the settings API understand, with their help text. */
export const SETTING_KEYS = {
  upstream: 'Upstream root URL (Microsoft Update, a WSUS or a parent site), or "none" for a catalog source',
  'upstream-ca-file': 'PEM file with an extra trusted CA for an HTTPS upstream ("" to clear)',
  products: '"all" or a comma-separated list of product GUIDs or exact product titles',
  classifications: '"all" or a comma-separated list of classification GUIDs or exact titles',
  languages: 'Comma-separated summary-details languages, e.g. "en,de"',
  supersedence: 'Non-feature updates: "immediate" or months to wait (1-99) before expiring superseded updates',
  'feature-supersedence': 'Feature updates: "immediate" or months to wait (1-99)',
  'full-sync-interval-days': 'Days after which a delta sync escalates to full (1-365, default 7)',
  'cleanup-age-days': 'Days expired, undeployed updates are kept before removal (0-365, default 7)',
  schedule: '"none", "hours:N", "daily:HH:MM", "weekly:<day>:HH:MM" or "cron:<expression>" (UTC)',
  'sync-failure-alert': 'Raise an alert when a sync fails: true or false',
  'alert-webhook': 'URL that receives alert changes as JSON ("" to clear)',
  'site-code': 'Three-character site code',
  'sup-name': 'Name of this software update point',
} as const;

export type SettingKey = keyof typeof SETTING_KEYS;

const WEEKDAYS: readonly Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function invalid(key: string, message: string): SupsyncError {
  return new SupsyncError('CONFIG_INVALID', `${key}: ${message}`, { details: { key } });
}

/** Parses an http(s) URL, or "none". */
export function parseUpstreamUrl(value: string, key = 'upstream'): string {
  const v = value.trim();
  if (v === 'none') return v;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(key, `"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(key, 'only http and https are supported');
  return url.toString().replace(/\/+$/, '');
}

function parseInteger(key: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw invalid(key, `"${value}" is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(key, `${n} is outside ${min}-${max}`);
  return n;
}

function parseBoolean(key: string, value: string): boolean {
  if (/^(true|yes|1|on)$/i.test(value.trim())) return true;
  if (/^(false|no|0|off)$/i.test(value.trim())) return false;
  throw invalid(key, `"${value}" is not true or false`);
}

export function parseSupersedenceRule(key: string, value: string): SupersedenceRule {
  if (value.trim().toLowerCase() === 'immediate') return { mode: 'immediate' };
  return { mode: 'months', months: parseInteger(key, value.replace(/\s*months?$/i, ''), 1, 99) };
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses the schedule vocabulary; cron expressions are checked by `validateCron`. */
export function parseSchedule(value: string, validateCron: (expr: string) => void): SyncSchedule {
  const v = value.trim();
  if (v === 'none') return { kind: 'none' };
  const [kind, ...rest] = v.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'hours':
      return { kind: 'hours', every: parseInteger('schedule', arg, 1, 168) };
    case 'daily':
      if (!HHMM.test(arg)) throw invalid('schedule', `daily needs HH:MM, got "${arg}"`);
      return { kind: 'daily', at: arg };
    case 'weekly': {
      const [day = '', ...time] = rest;
      const at = time.join(':');
      const d = day.toLowerCase() as Weekday;
      if (!WEEKDAYS.includes(d)) throw invalid('schedule', `"${day}" is not a weekday`);
      if (!HHMM.test(at)) throw invalid('schedule', `weekly needs <day>:HH:MM, got "${arg}"`);
      return { kind: 'weekly', day: d, at };
    }
    case 'cron':
      try {
        validateCron(arg);
      } catch (err) {
        throw invalid('schedule', `bad cron expression "${arg}": ${(err as Error).message}`);
      }
      return { kind: 'cron', expression: arg };
    default:
      throw invalid('schedule', `"${value}" is not none, hours:N, daily:HH:MM, weekly:<day>:HH:MM or cron:<expr>`);
  }
}

/** Formats a schedule back into the `config set` vocabulary. */
export function formatSchedule(s: SyncSchedule): string {
  switch (s.kind) {
    case 'none':
      return 'none';
    case 'hours':
      return `hours:${s.every}`;
    case 'daily':
      return `daily:${s.at}`;
    case 'weekly':
      return `weekly:${s.day}:${s.at}`;
    case 'cron':
      return `cron:${s.expression}`;
  }
}

/**
 * Resolves "all" or a list of GUIDs / exact titles against the categories the site knows.
 * Before the first sync the site knows no categories: GUIDs are then accepted as they are, and
 * titles resolve through the well-known tables of src/catalog/well-known.ts.
 */
export function resolveCategories(
  key: 'products' | 'classifications',
  value: string,
  known: readonly CategorySummary[],
): CategorySelection {
  if (value.trim().toLowerCase() === 'all') return 'all';
  const wanted = key === 'products' ? 'Product' : 'UpdateClassification';
  const candidates = known.filter((c) => c.categoryType === wanted);
  const wellKnown = key === 'classifications' ? CLASSIFICATIONS : WELL_KNOWN_PRODUCTS;
  const fallback = candidates.length > 0 ? candidates : wellKnown.map((c) => ({ categoryId: c.id, title: c.title }));
  // Before the first sync only the well-known ids are checkable: other GUIDs are taken on trust.
  const strictGuids = candidates.length > 0;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw invalid(key, 'give "all" or at least one GUID or title');
  const ids = items.map((item) => {
    const guid = normalizeGuid(item);
    if (isGuid(guid)) {
      if (strictGuids && !fallback.some((c) => c.categoryId === guid)) throw unknownCategory(key, item, []);
      return guid;
    }
    const byTitle = fallback.find((c) => c.title === item);
    if (byTitle === undefined) throw unknownCategory(key, item, fallback);
    return byTitle.categoryId;
  });
  return [...new Set(ids)];
}

/** Titles are matched exactly; up to three that contain the given text, ignoring case, are suggested. */
const MAX_SUGGESTIONS = 3;

/**
 * For a title that matched no category exactly: up to three titles that contain it, ignoring case,
 * shortest first, as `suggestions` and as the end of an error message (empty when none).
 */
export function titleSuggestions(item: string, titles: readonly string[]): { suggestions: string[]; hint: string } {
  const needle = item.toLowerCase();
  const suggestions = titles
    .filter((t) => t.toLowerCase().includes(needle))
    .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    .slice(0, MAX_SUGGESTIONS);
  const hint = suggestions.length === 0 ? '' : `; did you mean ${suggestions.map((t) => `"${t}"`).join(', ')}?`;
  return { suggestions, hint };
}

function unknownCategory(key: string, item: string, known: readonly { title: string }[]): SupsyncError {
  const kind = key === 'products' ? 'product' : 'classification';
  const { suggestions, hint } = titleSuggestions(
    item,
    known.map((c) => c.title),
  );
  return new SupsyncError('CONFIG_UNKNOWN_CATEGORY', `${key}: no ${kind} "${item}" in the catalog${hint}`, {
    details: { key, value: item, ...(suggestions.length === 0 ? {} : { suggestions }) },
  });
}

/** Applies one `config set` change and returns the new settings (the input is not modified). */
export function applySetting(
  settings: SupSettings,
  key: string,
  value: string,
  known: readonly CategorySummary[],
  validateCron: (expr: string) => void,
): SupSettings {
  switch (key as SettingKey) {
    case 'upstream':
      return { ...settings, upstreamUrl: parseUpstreamUrl(value) };
    case 'upstream-ca-file': {
      const { upstreamCaFile: _drop, ...rest } = settings;
      return value.trim() === '' ? rest : { ...rest, upstreamCaFile: value.trim() };
    }
    case 'products':
      return { ...settings, products: resolveCategories('products', value, known) };
    case 'classifications':
      return { ...settings, classifications: resolveCategories('classifications', value, known) };
    case 'languages': {
      const langs = value.split(',').map((s) => s.trim().toLowerCase());
      if (langs.some((l) => !/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(l)))
        throw invalid(key, `"${value}" is not a list of language tags`);
      return { ...settings, languages: [...new Set(langs)] };
    }
    case 'supersedence':
      return { ...settings, supersedence: { ...settings.supersedence, nonFeature: parseSupersedenceRule(key, value) } };
    case 'feature-supersedence':
      return { ...settings, supersedence: { ...settings.supersedence, feature: parseSupersedenceRule(key, value) } };
    case 'full-sync-interval-days':
      return { ...settings, fullSyncIntervalDays: parseInteger(key, value, 1, 365) };
    case 'cleanup-age-days':
      return { ...settings, cleanupAgeDays: parseInteger(key, value, 0, 365) };
    case 'schedule':
      return { ...settings, schedule: parseSchedule(value, validateCron) };
    case 'sync-failure-alert':
      return { ...settings, syncFailureAlert: parseBoolean(key, value) };
    case 'alert-webhook': {
      const { alertWebhookUrl: _drop, ...rest } = settings;
      return value.trim() === '' ? rest : { ...rest, alertWebhookUrl: parseUpstreamUrl(value, key) };
    }
    case 'site-code':
      if (!/^[A-Z0-9]{3}$/.test(value.trim())) throw invalid(key, 'a site code is three letters or digits, e.g. CS1');
      return { ...settings, siteCode: value.trim() };
    case 'sup-name':
      if (!/^[A-Za-z0-9.-]{1,255}$/.test(value.trim())) throw invalid(key, 'letters, digits, dots and dashes only');
      return { ...settings, supName: value.trim() };
    default:
      throw invalid(key, `unknown setting; known: ${Object.keys(SETTING_KEYS).join(', ')}`);
  }
}

/** The settings as `config get` shows them, in the `config set` vocabulary. */
export function describeSettings(s: SupSettings): Record<SettingKey, string> {
  const rule = (r: SupersedenceRule) => (r.mode === 'immediate' ? 'immediate' : String(r.months));
  const list = (sel: CategorySelection) => (sel === 'all' ? 'all' : sel.join(','));
  return {
    upstream: s.upstreamUrl,
    'upstream-ca-file': s.upstreamCaFile ?? '',
    products: list(s.products),
    classifications: list(s.classifications),
    languages: s.languages.join(','),
    supersedence: rule(s.supersedence.nonFeature),
    'feature-supersedence': rule(s.supersedence.feature),
    'full-sync-interval-days': String(s.fullSyncIntervalDays),
    'cleanup-age-days': String(s.cleanupAgeDays),
    schedule: formatSchedule(s.schedule),
    'sync-failure-alert': String(s.syncFailureAlert),
    'alert-webhook': s.alertWebhookUrl ?? '',
    'site-code': s.siteCode,
    'sup-name': s.supName,
  };
}
