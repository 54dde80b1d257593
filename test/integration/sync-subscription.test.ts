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
