import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type SupSettings } from '../../../src/site/settings.ts';
import type { SyncState } from '../../../src/store/site-store.ts';
import { addMonths, dueForExpiry, nextExpiryDue } from '../../../src/sync/expiry.ts';
import { encodeFingerprint, fingerprintSettings, planSync } from '../../../src/sync/plan.ts';

const now = new Date('2026-11-20T00:00:00Z');
const settings: SupSettings = { ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup', upstreamUrl: 'http://a' };
const synced = (s: SupSettings, lastFull = '2026-11-19T00:00:00Z'): SyncState => ({
  upstreamUrl: s.upstreamUrl,
  categoryAnchor: '1,2026-11-19 00:00:00.000',
  updateAnchor: '1,2026-11-19 00:00:00.000',
  fingerprint: encodeFingerprint(fingerprintSettings(s)),
  lastFullSyncAt: lastFull,
  lastSuccessAt: '2026-11-19T12:00:00Z',
});
const plan = (over: Partial<Parameters<typeof planSync>[0]> = {}) =>
  planSync({ requestedFull: false, settings, state: synced(settings), previousUpstream: 'http://a', now, ...over });

describe('planSync', () => {
  it('is delta when nothing forces a full sync', () => assert.equal(plan().kind, 'delta'));
  it('is full for the first sync', () => {
    const p = plan({ state: undefined, previousUpstream: undefined });
    assert.deepEqual([p.kind, p.reason], ['full', 'first synchronization from this upstream']);
  });
  it('is full when asked', () => assert.match(plan({ requestedFull: true }).reason, /requested/));
  it('is full after a subscription change, in any of products, classifications, languages', () => {
    for (const change of [{ products: ['x'] }, { classifications: ['y'] }, { languages: ['en', 'de'] }]) {
      assert.match(plan({ settings: { ...settings, ...change } }).reason, /subscription changed/);
    }
  });
  it('does not see a reordered list as a change', () => {
    const a = { ...settings, products: ['b', 'a'] };
    assert.equal(plan({ settings: { ...settings, products: ['a', 'b'] }, state: synced(a) }).kind, 'delta');
  });
  it('is full after a supersedence change', () => {
    const s = { ...settings, supersedence: { ...settings.supersedence, feature: { mode: 'immediate' as const } } };
    assert.match(plan({ settings: s }).reason, /supersedence rules changed/);
  });
  it('is full when the interval has passed, and says which interval', () => {
    assert.match(plan({ state: synced(settings, '2026-11-13T00:00:00Z') }).reason, /7 days has passed/);
    assert.equal(plan({ state: synced(settings, '2026-11-13T00:00:01Z') }).kind, 'delta');
    assert.match(plan({ settings: { ...settings, fullSyncIntervalDays: 1 } }).reason, /1 days/);
  });
  it('is full when the upstream changed, naming both', () => {
    const p = plan({ state: undefined, previousUpstream: 'http://old' });
    assert.equal(p.reason, 'upstream changed from http://old to http://a');
  });
  it('is full when an anchor is missing, and keeps every reason', () => {
    const { updateAnchor: _u, ...rest } = synced(settings);
    const p = plan({ state: rest, requestedFull: true });
    assert.deepEqual(p.reasons, ['full synchronization requested', 'stored anchor is missing']);
  });
});

describe('supersedence rules', () => {
  const edge = (created: string, feature = false) => ({
    supersededId: `old-${created}-${feature}`,
    supersedingId: 'new',
    supersedingCreated: created,
    supersededIsFeature: feature,
  });
  it('immediate expires every superseded update', () => {
    const rules = { nonFeature: { mode: 'immediate' as const }, feature: { mode: 'months' as const, months: 99 } };
    assert.deepEqual(dueForExpiry([edge('2026-11-19T00:00:00Z')], rules, now), ['old-2026-11-19T00:00:00Z-false']);
  });
  it('N months counts from the superseding update and feature updates have their own rule', () => {
    const rules = { nonFeature: { mode: 'months' as const, months: 2 }, feature: { mode: 'immediate' as const } };
    const due = dueForExpiry(
      [edge('2026-09-20T00:00:00Z'), edge('2026-09-21T00:00:00Z'), edge('2026-11-19T00:00:00Z', true)],
      rules,
      now,
    );
    assert.deepEqual(due.sort(), ['old-2026-09-20T00:00:00Z-false', 'old-2026-11-19T00:00:00Z-true']);
  });
  it('knows when the next superseded update becomes due', () => {
    const rules = { nonFeature: { mode: 'months' as const, months: 2 }, feature: { mode: 'immediate' as const } };
    const edges = [edge('2026-09-20T00:00:00Z'), edge('2026-10-05T00:00:00Z'), edge('2026-10-01T00:00:00Z', true)];
    assert.equal(nextExpiryDue(edges, rules, now)?.toISOString(), '2026-12-05T00:00:00.000Z');
    assert.equal(nextExpiryDue(edges, rules, new Date('2026-12-05T00:00:00Z')), undefined, 'all due by then');
    assert.equal(
      nextExpiryDue([edge('2026-10-01T00:00:00Z', true)], rules, now),
      undefined,
      'immediate waits for nothing',
    );
  });
  it('adds calendar months, clamped to the end of the month', () => {
    assert.equal(addMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString(), '2026-02-28T10:00:00.000Z');
    assert.equal(addMonths(new Date('2026-11-15T00:00:00Z'), 3).toISOString(), '2027-02-15T00:00:00.000Z');
  });
});
