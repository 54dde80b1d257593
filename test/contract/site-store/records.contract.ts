/**
 * Contract: site settings, catalog version, sync state, runs, status messages, tokens, audit, alerts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SyncRunRecord } from '../../../src/store/site-store.ts';
import { code, type SiteStoreFactory, siteSettings, T, withStore } from './harness.ts';

const URL = 'https://wsus.contoso.com:8531';

function site(factory: SiteStoreFactory): void {
  it('holds no site until initialised, then exactly one', async () => {
    await withStore(factory, async (store) => {
      assert.equal(await store.getSettings(), undefined);
      assert.equal(await store.getCatalogVersion(), 0);
      await assert.rejects(store.saveSettings(siteSettings()), code('STORE_NOT_INITIALIZED'));
      await assert.rejects(store.setCatalogVersion(3), code('STORE_NOT_INITIALIZED'));
      await store.initSite(siteSettings());
      assert.deepEqual(await store.getSettings(), siteSettings());
      await assert.rejects(store.initSite(siteSettings({ siteCode: 'CS2' })), code('STORE_ALREADY_INITIALIZED'));
      assert.equal((await store.getSettings())?.siteCode, 'CS1');
    });
  });

  it('saves settings and the catalog version durably', async () => {
    await withStore(factory, async (store, ctx) => {
      await store.initSite(siteSettings());
      const changed = siteSettings({
        products: ['8c3fcc84-7410-4a95-8b89-a166a0190486'],
        supersedence: { nonFeature: { mode: 'immediate' }, feature: { mode: 'months', months: 6 } },
        schedule: { kind: 'weekly', day: 'sunday', at: '02:00' },
        alertWebhookUrl: 'https://hooks.contoso.com/sup',
      });
      await store.saveSettings(changed);
      await store.setCatalogVersion(42);
      const reopened = await ctx.reopen();
      assert.deepEqual(await reopened.getSettings(), changed);
      assert.equal(await reopened.getCatalogVersion(), 42);
    });
  });

  it('keeps the supersedence rules checkpoint, the latest one', async () => {
    await withStore(factory, async (store, ctx) => {
      await assert.rejects(
        store.saveExpiryCheckpoint({ seq: 1, rules: '{}', nextDueAt: null }),
        code('STORE_NOT_INITIALIZED'),
      );
      await store.initSite(siteSettings());
      assert.equal(await store.getExpiryCheckpoint(), undefined);
      await store.saveExpiryCheckpoint({ seq: 7, rules: '{"a":1}', nextDueAt: null });
      const latest = { seq: 9, rules: '{"a":2}', nextDueAt: '2027-01-15T10:00:00.000Z' };
      await store.saveExpiryCheckpoint(latest);
      assert.deepEqual(await (await ctx.reopen()).getExpiryCheckpoint(), latest);
    });
  });
}

function sync(factory: SiteStoreFactory): void {
  it('patches sync state per upstream: undefined keeps, null clears', async () => {
    await withStore(factory, async (store) => {
      assert.equal(await store.getSyncState(URL), undefined);
      await store.patchSyncState(URL, {
        configAnchor: 'c1',
        updateAnchor: 'u1',
        anchorProducts: ['p1', 'p2'],
        anchorClassifications: [],
        serverConfig: { maxNumberOfUpdatesPerRequest: 100, languages: ['en', 'de'] },
        lastSuccessAt: T.jan,
      });
      await store.patchSyncState(URL, { updateAnchor: 'u2', configAnchor: null, fingerprint: 'f' });
      await store.patchSyncState('https://other:8531', { updateAnchor: 'x' });
      assert.deepEqual(await store.getSyncState(URL), {
        upstreamUrl: URL,
        updateAnchor: 'u2',
        anchorProducts: ['p1', 'p2'],
        anchorClassifications: [],
        serverConfig: { maxNumberOfUpdatesPerRequest: 100, languages: ['en', 'de'] },
        fingerprint: 'f',
        lastSuccessAt: T.jan,
      });
    });
  });

  it('creates, updates and lists sync runs newest first', async () => {
    await withStore(factory, async (store) => {
      const queued: Omit<SyncRunRecord, 'id'> = {
        kind: 'full',
        reason: 'first sync',
        trigger: 'manual',
        requestedBy: 'admin',
        state: 'queued',
        queuedAt: T.jan,
        upstreamUrl: URL,
      };
      const run = await store.createRun(queued);
      assert.deepEqual(run, { ...queued, id: run.id });
      const counts = { listed: 10, downloaded: 9, repaired: 0, expired: 1, removed: 0, failed: 1 };
      const done = await store.updateRun(run.id, {
        state: 'failed',
        startedAt: T.jan,
        finishedAt: T.feb,
        updates: counts,
        errorCode: 'UPSTREAM_TIMEOUT',
        errorMessage: 'timed out',
        catalogVersion: 7,
      });
      assert.equal(done.state, 'failed');
      assert.deepEqual(done.updates, counts);
      assert.equal(done.requestedBy, 'admin');
      assert.deepEqual(await store.getRun(run.id), done);
      const second = await store.createRun({ ...queued, kind: 'delta', trigger: 'schedule' });
      assert.deepEqual(
        (await store.listRuns(10)).map((r) => r.id),
        [second.id, run.id],
      );
      assert.equal((await store.listRuns(1)).length, 1);
      assert.equal(await store.getRun(9999), undefined);
      await assert.rejects(store.updateRun(9999, { state: 'running' }), code('NOT_FOUND'));
    });
  });

  it('adds status messages and lists them newest first', async () => {
    await withStore(factory, async (store) => {
      const run = await store.createRun({
        kind: 'delta',
        reason: 'r',
        trigger: 'api',
        state: 'running',
        queuedAt: T.jan,
        upstreamUrl: URL,
      });
      const a = await store.addStatusMessage({
        runId: run.id,
        messageId: 6701,
        severity: 'I',
        time: T.jan,
        text: 'started',
      });
      const b = await store.addStatusMessage({ messageId: 6703, severity: 'E', time: T.feb, text: 'failed' });
      assert.deepEqual(a, { id: a.id, runId: run.id, messageId: 6701, severity: 'I', time: T.jan, text: 'started' });
      assert.deepEqual(await store.listStatusMessages(10), [b, a]);
      assert.deepEqual(await store.listStatusMessages(1), [b]);
    });
  });
}

function admin(factory: SiteStoreFactory): void {
  it('keeps API tokens by hash: create, find, list, touch, revoke', async () => {
    await withStore(factory, async (store) => {
      const token = await store.createToken('ci', 'operator', 'hash-1', T.jan);
      assert.deepEqual(token, { id: token.id, name: 'ci', role: 'operator', createdAt: T.jan });
      await store.createToken('console', 'read', 'hash-2', T.feb);
      await assert.rejects(store.createToken('dup', 'admin', 'hash-1', T.feb));
      assert.deepEqual(await store.findTokenByHash('hash-1'), token);
      assert.equal(await store.findTokenByHash('nope'), undefined);
      await store.touchToken(token.id, T.mar);
      assert.equal((await store.findTokenByHash('hash-1'))?.lastUsedAt, T.mar);
      assert.deepEqual(
        (await store.listTokens()).map((t) => t.name),
        ['ci', 'console'],
      );
      assert.equal(await store.revokeToken(token.id), true);
      assert.equal(await store.revokeToken(token.id), false);
      assert.equal(await store.findTokenByHash('hash-1'), undefined);
    });
  });

  it('appends audit records and lists them newest first', async () => {
    await withStore(factory, async (store) => {
      await store.addAudit({ time: T.jan, actor: 'admin', action: 'settings.save', details: { products: ['a'] } });
      await store.addAudit({ time: T.feb, actor: 'ci', action: 'sync.start', details: null });
      const records = await store.listAudit(10);
      assert.deepEqual(
        records.map(({ id: _id, ...r }) => r),
        [
          { time: T.feb, actor: 'ci', action: 'sync.start', details: null },
          { time: T.jan, actor: 'admin', action: 'settings.save', details: { products: ['a'] } },
        ],
      );
      assert.equal((await store.listAudit(1)).length, 1);
    });
  });

  it('raises and cancels sync-failure alerts', async () => {
    await withStore(factory, async (store) => {
      const first = await store.raiseAlert({ kind: 'sync-failure', raisedAt: T.jan, message: 'sync failed', runId: 3 });
      assert.deepEqual(first, {
        id: first.id,
        kind: 'sync-failure',
        state: 'active',
        raisedAt: T.jan,
        message: 'sync failed',
        runId: 3,
      });
      const second = await store.raiseAlert({ kind: 'sync-failure', raisedAt: T.feb, message: 'again' });
      assert.deepEqual(
        (await store.listAlerts(true)).map((a) => a.id),
        [second.id, first.id],
      );
      assert.equal(await store.cancelAlerts('sync-failure', T.mar), 2);
      assert.equal(await store.cancelAlerts('sync-failure', T.apr), 0);
      assert.deepEqual(await store.listAlerts(true), []);
      const all = await store.listAlerts(false);
      assert.equal(all.length, 2);
      assert.ok(all.every((a) => a.state === 'canceled' && a.canceledAt === T.mar));
    });
  });

  it('keeps child sites by site code, with the last notification of each', async () => {
    await withStore(factory, async (store) => {
      assert.deepEqual(await store.listChildSites(), []);
      await store.putChildSite({ siteCode: 'PS2', url: 'http://ps2:8530', token: 'sup_two', addedAt: T.jan });
      await store.putChildSite({ siteCode: 'PS1', url: 'http://ps1:8530', token: 'sup_one', addedAt: T.jan });
      await store.recordChildNotification('PS1', T.feb, 'accepted: run 4');
      await store.recordChildNotification('XX9', T.feb, 'ignored');
      assert.deepEqual(await store.listChildSites(), [
        {
          siteCode: 'PS1',
          url: 'http://ps1:8530',
          token: 'sup_one',
          addedAt: T.jan,
          notifiedAt: T.feb,
          notifyResult: 'accepted: run 4',
        },
        { siteCode: 'PS2', url: 'http://ps2:8530', token: 'sup_two', addedAt: T.jan },
      ]);
      // Added again: a new address and token, and no notification yet.
      await store.putChildSite({ siteCode: 'PS1', url: 'http://ps1.contoso:8530', token: 'sup_new', addedAt: T.mar });
      assert.deepEqual((await store.listChildSites())[0], {
        siteCode: 'PS1',
        url: 'http://ps1.contoso:8530',
        token: 'sup_new',
        addedAt: T.mar,
      });
      assert.equal(await store.removeChildSite('PS2'), true);
      assert.equal(await store.removeChildSite('PS2'), false);
      assert.deepEqual(
        (await store.listChildSites()).map((c) => c.siteCode),
        ['PS1'],
      );
    });
  });
}

export const recordsContract = { site, sync, admin };
