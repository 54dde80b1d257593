import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { validateCron } from '../../../src/site/cron.ts';
import { DEFAULT_SETTINGS, type SupSettings } from '../../../src/site/settings.ts';
import { applySetting, describeSettings } from '../../../src/site/settings-validation.ts';
import type { CategorySummary } from '../../../src/store/site-store.ts';

const base: SupSettings = { ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup', upstreamUrl: 'http://up:8530' };
const known: CategorySummary[] = [
  {
    categoryId: '72e7624a-5b00-45d2-b92f-e561c0a6a160',
    revisionNumber: 1,
    categoryType: 'Product',
    title: 'Windows 11',
  },
  {
    categoryId: '0fa1201d-4330-4fa8-8ae9-b877473b6441',
    revisionNumber: 1,
    categoryType: 'UpdateClassification',
    title: 'Security Updates',
  },
];
const set = (key: string, value: string, cats = known) => applySetting(base, key, value, cats, validateCron);
const rejects = (fn: () => unknown, code: string, pattern: RegExp) =>
  assert.throws(fn, (e) => isSupsyncError(e) && e.code === code && pattern.test(e.message));

describe('config set vocabulary', () => {
  it('resolves products and classifications by GUID or exact title, case-insensitive GUIDs', () => {
    assert.deepEqual(set('products', 'Windows 11').products, ['72e7624a-5b00-45d2-b92f-e561c0a6a160']);
    assert.deepEqual(set('products', '72E7624A-5B00-45D2-B92F-E561C0A6A160').products, [
      '72e7624a-5b00-45d2-b92f-e561c0a6a160',
    ]);
    assert.deepEqual(set('classifications', 'Security Updates').classifications, [
      '0fa1201d-4330-4fa8-8ae9-b877473b6441',
    ]);
    assert.equal(set('products', 'all').products, 'all');
  });

  it('names the unknown product or classification', () => {
    rejects(() => set('products', 'Windows 95'), 'CONFIG_UNKNOWN_CATEGORY', /no product "Windows 95"/);
    rejects(() => set('products', '00000000-0000-0000-0000-000000000000'), 'CONFIG_UNKNOWN_CATEGORY', /products/);
    rejects(() => set('classifications', 'Windows 11'), 'CONFIG_UNKNOWN_CATEGORY', /no classification/);
    rejects(() => set('products', ' , '), 'CONFIG_INVALID', /at least one/);
  });

  it('suggests the titles that contain what was given, ignoring case, shortest first', () => {
    const more: CategorySummary[] = [
      ...known,
      {
        categoryId: '6d76a2a5-81fe-4829-b268-6eb307e40ef3',
        revisionNumber: 1,
        categoryType: 'Product',
        title: 'Windows 11 Dynamic Update',
      },
    ];
    assert.throws(
      () => set('products', 'windows 11', more),
      (e) =>
        isSupsyncError(e, 'CONFIG_UNKNOWN_CATEGORY') &&
        e.message ===
          'products: no product "windows 11" in the catalog; did you mean "Windows 11", "Windows 11 Dynamic Update"?' &&
        JSON.stringify(e.details?.suggestions) === '["Windows 11","Windows 11 Dynamic Update"]',
    );
    // A classification is not suggested for a product, nor anything for text no title holds.
    rejects(() => set('products', 'security'), 'CONFIG_UNKNOWN_CATEGORY', /"security" in the catalog$/);
  });

  it('before the first sync, titles resolve through the well-known tables', () => {
    assert.deepEqual(set('products', 'Microsoft Defender Antivirus', []).products, [
      '8c3fcc84-7410-4a95-8b89-a166a0190486',
    ]);
    assert.deepEqual(set('classifications', 'Definition Updates', []).classifications, [
      'e0789628-ce08-4437-be74-2495b842f43b',
    ]);
    rejects(() => set('products', 'Office 2016', []), 'CONFIG_UNKNOWN_CATEGORY', /Office 2016/);
  });

  it('validates every value with a clear CONFIG_INVALID naming the key', () => {
    rejects(() => set('upstream', 'ftp://x'), 'CONFIG_INVALID', /^upstream: only http and https/);
    rejects(() => set('upstream', 'not a url'), 'CONFIG_INVALID', /^upstream: /);
    rejects(() => set('supersedence', '100'), 'CONFIG_INVALID', /1-99/);
    rejects(() => set('full-sync-interval-days', '0'), 'CONFIG_INVALID', /full-sync-interval-days/);
    rejects(() => set('schedule', 'daily:25:00'), 'CONFIG_INVALID', /HH:MM/);
    rejects(() => set('schedule', 'weekly:someday:03:00'), 'CONFIG_INVALID', /weekday/);
    rejects(() => set('schedule', 'cron:61 * * * *'), 'CONFIG_INVALID', /cron/);
    rejects(() => set('sync-failure-alert', 'maybe'), 'CONFIG_INVALID', /true or false/);
    rejects(() => set('site-code', 'TOOLONG'), 'CONFIG_INVALID', /three/);
    rejects(() => set('bogus', 'x'), 'CONFIG_INVALID', /unknown setting/);
  });

  it('round-trips through describeSettings', () => {
    let s = set('supersedence', 'immediate');
    s = applySetting(s, 'feature-supersedence', '6', known, validateCron);
    s = applySetting(s, 'schedule', 'weekly:tuesday:03:30', known, validateCron);
    const d = describeSettings(s);
    assert.equal(d.supersedence, 'immediate');
    assert.equal(d['feature-supersedence'], '6');
    assert.equal(d.schedule, 'weekly:tuesday:03:30');
    for (const [k, v] of Object.entries(d)) {
      if (v === '') continue;
      assert.deepEqual(describeSettings(applySetting(s, k, v, known, validateCron)), d, k);
    }
  });
});
