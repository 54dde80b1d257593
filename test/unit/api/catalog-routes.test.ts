/**
 * The patch admin's routes on a small real catalog: update filters and paging with
 * SMS_SoftwareUpdate field names, marking deployed, categories with IsSubscribed, and settings
 * changes that say when the next sync becomes full.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireSettings } from '../../../src/store/site-store.ts';
import { encodeFingerprint, fingerprintSettings } from '../../../src/sync/plan.ts';
import { guid } from '../../helpers/revisions.ts';
import { type ApiFixture, apiFixture, IDS, smallCatalog } from './api-fixture.ts';

const UPSTREAM = 'http://127.0.0.1:9';

describe('update and category routes', () => {
  let f: ApiFixture;
  const q = async (query: string) => {
    const res = await f.call('GET', `/api/v1/updates${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { total: number; offset: number; limit: number; items: Record<string, unknown>[] };
  };

  before(async () => {
    f = await apiFixture({
      revisions: smallCatalog(12),
      settings: { upstreamUrl: UPSTREAM, products: [IDS.windows11] },
    });
  });
  after(() => f.close());

  it('lists every software update with SMS_SoftwareUpdate field names, newest revision first', async () => {
    const page = await q('');
    assert.equal(page.total, 12);
    assert.equal(page.items.length, 12);
    assert.deepEqual([page.offset, page.limit], [0, 50]);
    const first = page.items[0] as Record<string, unknown>;
    assert.equal(first.CI_UniqueID, guid(12));
    assert.equal(first.DateRevised, '2026-01-12T00:00:00.000Z');
    const critical = page.items.find((u) => u.CI_UniqueID === guid(1)) as Record<string, unknown>;
    assert.deepEqual(
      {
        ArticleID: critical.ArticleID,
        LocalizedDisplayName: critical.LocalizedDisplayName,
        Severity: critical.Severity,
        SeverityName: critical.SeverityName,
        IsSuperseded: critical.IsSuperseded,
        IsExpired: critical.IsExpired,
        IsDeployed: critical.IsDeployed,
        IsBundle: critical.IsBundle,
        CIType_ID: critical.CIType_ID,
        RevisionNumber: critical.RevisionNumber,
        CategoryInstance_UniqueIDs: critical.CategoryInstance_UniqueIDs,
        SupersededBy: critical.SupersededBy,
      },
      {
        ArticleID: '5000000',
        LocalizedDisplayName: 'Security Update for Windows 11 1',
        Severity: 10,
        SeverityName: 'Critical',
        IsSuperseded: true,
        IsExpired: false,
        IsDeployed: false,
        IsBundle: false,
        CIType_ID: 1,
        RevisionNumber: 200,
        CategoryInstance_UniqueIDs: [`Product:${IDS.windows11}`, `UpdateClassification:${IDS.securityUpdates}`],
        SupersededBy: [guid(2)],
      },
    );
  });

  it('filters as Get-CMSoftwareUpdate does: product, classification, superseded, KB, severity, text, dates', async () => {
    assert.equal((await q(`?productId=${IDS.windows11}`)).total, 6);
    assert.equal((await q(`?productId=${IDS.windows11.toUpperCase()}`)).total, 6);
    const filtered = await q(`?productId=${IDS.windows11}&classificationId=${IDS.securityUpdates}&superseded=false`);
    assert.deepEqual(filtered.items.map((u) => u.CI_UniqueID).sort(), [guid(3), guid(5), guid(9), guid(11)]);
    assert.equal((await q(`?classificationId=${IDS.definitionUpdates}`)).total, 6);
    assert.equal((await q('?superseded=true')).total, 4);
    for (const kb of ['5000003', 'KB5000003'])
      assert.deepEqual(
        (await q(`?kb=${kb}`)).items.map((u) => u.CI_UniqueID),
        [guid(4)],
      );
    assert.equal((await q('?severity=Critical')).total, 3);
    assert.equal((await q('?text=DEFENDER')).total, 6);
    assert.equal((await q('?postedFrom=2026-01-05')).total, 8);
    assert.equal((await q('?postedTo=2026-01-03')).total, 3, 'a bare "to" date includes its whole day');
    assert.equal((await q('?postedTo=2026-01-03T00:00:00Z')).total, 3, 'a "to" time includes its whole second');
    assert.equal((await q('?revisedFrom=2026-01-01T02:00:00%2B02:00&revisedTo=2026-01-02')).total, 2);
    assert.equal((await q('?expired=true')).total, 0);
    assert.equal((await q('?deployed=false')).total, 12);
  });

  it('pages with offset and limit; past the end is an empty page with the total', async () => {
    const a = await q('?limit=5');
    const b = await q('?limit=5&offset=5');
    const c = await q('?limit=5&offset=10');
    assert.deepEqual([a.items.length, b.items.length, c.items.length], [5, 5, 2]);
    const ids = [...a.items, ...b.items, ...c.items].map((u) => u.CI_UniqueID);
    assert.equal(new Set(ids).size, 12);
    const past = await q('?offset=50');
    assert.deepEqual([past.total, past.items.length], [12, 0]);
  });

  it('one update by id; marking updates deployed is audited and shows in filters', async () => {
    const one = await f.call('GET', `/api/v1/updates/${guid(2).toUpperCase()}`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().CI_UniqueID, guid(2));
    const res = await f.call('POST', '/api/v1/updates/deployed', {
      token: f.tokens.operator,
      body: { updateIds: [guid(2), guid(3)], deployed: true },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().changed, 2);
    assert.equal((await q('?deployed=true')).total, 2);
    assert.equal((await f.call('GET', `/api/v1/updates/${guid(2)}`)).json().IsDeployed, true);
    const audit = (await f.call('GET', '/api/v1/audit')).json().items as { actor: string; action: string }[];
    assert.ok(audit.some((a) => a.action === 'updates.deployed' && a.actor === 'operator-token'));
    await f.call('POST', '/api/v1/updates/deployed', { body: { updateIds: [guid(2), guid(3)], deployed: false } });
    assert.equal((await q('?deployed=true')).total, 0);
  });

  it('categories carry SMS_UpdateCategoryInstance names and IsSubscribed per the settings', async () => {
    const all = (await f.call('GET', '/api/v1/categories')).json().items as Record<string, unknown>[];
    assert.equal(all.length, 6);
    const by = (id: string) => all.find((c) => c.CategoryId === id) as Record<string, unknown>;
    assert.deepEqual(by(IDS.windows11), {
      CategoryInstance_UniqueID: `Product:${IDS.windows11}`,
      CategoryId: IDS.windows11,
      CategoryTypeName: 'Product',
      LocalizedCategoryInstanceName: 'Windows 11',
      ParentCategoryId: IDS.windows,
      AllowSubscription: true,
      IsSubscribed: true,
      RevisionNumber: 100,
    });
    assert.equal(by(IDS.defender).IsSubscribed, false);
    assert.equal(by(IDS.securityUpdates).IsSubscribed, true, 'classifications are "all"');
    assert.equal(by(IDS.microsoft).AllowSubscription, false);
    assert.equal(by(IDS.microsoft).IsSubscribed, false);
    const products = (await f.call('GET', '/api/v1/categories?type=Product')).json().items as Record<string, unknown>[];
    assert.deepEqual(products.map((c) => c.LocalizedCategoryInstanceName).sort(), [
      'Microsoft Defender Antivirus',
      'Windows 11',
    ]);
  });
});

describe('settings routes', () => {
  let f: ApiFixture;

  before(async () => {
    f = await apiFixture({ revisions: smallCatalog(2), settings: { upstreamUrl: UPSTREAM } });
    // A site that synced fully a day ago with its current settings: the next sync is a delta.
    const settings = await requireSettings(f.site.store);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await f.site.store.patchSyncState(UPSTREAM, {
      lastSuccessAt: yesterday,
      lastFullSyncAt: yesterday,
      fingerprint: encodeFingerprint(fingerprintSettings(settings)),
      categoryAnchor: 'c',
      updateAnchor: 'u',
    });
  });
  after(() => f.close());

  it('GET shows the config-set vocabulary, help per key, and the next sync with its reasons', async () => {
    const body = (await f.call('GET', '/api/v1/settings', { token: f.tokens.read })).json();
    assert.equal(body.settings.schedule, 'hours:24');
    assert.equal(body.settings.upstream, UPSTREAM);
    assert.match(body.help.schedule, /hours:N/);
    assert.deepEqual(body.nextSync, {
      kind: 'delta',
      reason: 'changes since the last successful sync',
      reasons: ['changes since the last successful sync'],
    });
  });

  it('a change that does not touch the subscription keeps the next sync a delta', async () => {
    const res = await f.call('PATCH', '/api/v1/settings', {
      body: { schedule: 'daily:02:30', 'full-sync-interval-days': 14 },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body.changed, ['full-sync-interval-days', 'schedule']);
    assert.equal(body.settings.schedule, 'daily:02:30');
    assert.equal(body.settings['full-sync-interval-days'], '14', 'numbers are accepted and shown as config values');
    assert.equal(body.nextSync.kind, 'delta');
    assert.equal(body.becameFull, false);
  });

  it('changing the subscription makes the next sync full, and says why', async () => {
    const res = await f.call('PATCH', '/api/v1/settings', { body: { products: 'Windows 11' } });
    const body = res.json();
    assert.equal(body.settings.products, IDS.windows11, 'titles resolve to GUIDs');
    assert.equal(body.nextSync.kind, 'full');
    assert.deepEqual(body.nextSync.reasons, ['subscription changed (products, classifications or languages)']);
    assert.equal(body.becameFull, true);
    const again = (await f.call('PATCH', '/api/v1/settings', { body: { supersedence: 'immediate' } })).json();
    assert.equal(again.becameFull, false, 'already full before this change');
    assert.ok(again.nextSync.reasons.includes('supersedence rules changed'));
  });
});
