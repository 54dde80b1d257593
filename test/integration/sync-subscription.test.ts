/**
 * A product taken out of the subscription: its updates are expired by the next (full) sync, and come
 * back, without being downloaded again, when the product is added back before cleanup removes them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCron } from '../../src/site/cron.ts';
import { applySetting } from '../../src/site/settings-validation.ts';
import { requireSettings } from '../../src/store/site-store.ts';
import { SUBSCRIPTION, syncOnce, withUpstreamAndChild } from '../helpers/sites.ts';

const [WINDOWS_11, DEFENDER] = SUBSCRIPTION.products as [string, string];

describe('a product removed from the subscription and added back', () => {
  it('has its updates expired, then restored without downloading them again', async () => {
    await withUpstreamAndChild(300, 'resubscribe', async (_upstream, child) => {
      const { store } = child.site;
      const set = async (key: string, value: string) =>
        store.saveSettings(
          applySetting(await requireSettings(store), key, value, await store.listCategories(), validateCron),
        );
      const liveDefender = async () =>
        (await store.queryUpdates({ productId: DEFENDER, isExpired: false, limit: 1000 })).items
          .map((u) => u.updateId)
          .sort();

      assert.equal((await syncOnce(child.site)).state, 'succeeded');
      const before = await liveDefender();
      assert.ok(before.length > 0, 'the subscription brings Defender updates');

      await set('products', WINDOWS_11);
      const removed = await syncOnce(child.site);
      assert.equal(removed.kind, 'full');
      assert.match(removed.reason, /subscription changed/);
      assert.deepEqual(await liveDefender(), [], 'every Defender update is expired');
      const gone = await store.getUpdate(before[0] ?? '');
      assert.equal(gone?.isExpired, true);
      assert.ok((removed.updates?.expired ?? 0) >= before.length);

      await set('products', `${WINDOWS_11},${DEFENDER}`);
      const versionBefore = await store.getCatalogVersion();
      const back = await syncOnce(child.site);
      assert.equal(back.state, 'succeeded', back.errorMessage);
      assert.equal(back.kind, 'full');
      assert.equal(back.updates?.downloaded, 0, 'the revisions were kept: nothing to download');
      assert.deepEqual(await liveDefender(), before, 'the same updates are live again');
      assert.equal(back.catalogVersion, versionBefore + 1, 'bringing updates back changes the catalog');
      assert.ok(
        child.log.lines.some((l) =>
          /^Restored \d+ expired update\(s\) offered again under the subscription$/.test(l.message),
        ),
      );
    });
  });
});

describe('a subscription that names a category the upstream does not have', () => {
  // A GUID given at init before the first sync is taken on trust: nothing can check it yet.
  const NOWHERE = '0b7e2a58-9d44-4c1d-8f3e-5a6d1c2b3e4f';

  it('warns in wsyncmgr.log each sync, syncs the rest, and stops warning once it is gone', async () => {
    const settings = { ...SUBSCRIPTION, products: [...SUBSCRIPTION.products, NOWHERE] };
    await withUpstreamAndChild(
      120,
      'unknown-category',
      async (_upstream, child) => {
        const warnings = () => child.log.lines.filter((l) => l.severity === 'warning').map((l) => l.message);
        const first = await syncOnce(child.site);
        assert.equal(first.state, 'succeeded', first.errorMessage);
        assert.ok((first.updates?.downloaded ?? 0) > 0, 'the known products still bring their updates');
        assert.deepEqual(warnings(), [
          `Category Product:${NOWHERE} not found on the upstream`,
          'Subscription contains categories unknown to the upstream.',
        ]);

        const { store } = child.site;
        const current = await requireSettings(store);
        await store.saveSettings({ ...current, products: SUBSCRIPTION.products });
        child.log.lines.length = 0;
        assert.equal((await syncOnce(child.site)).state, 'succeeded');
        assert.deepEqual(warnings(), [], 'a subscription the catalog holds raises no warning');
      },
      settings,
    );
  });
});
