/**
 * Prerequisites are fetched even when the filter would not list them: an update in the
 * subscription that requires an update outside it brings that update along, on a delta too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { revisionKey, type StoredRevision } from '../../src/catalog/model.ts';
import { parseUpdateDocument, writeUpdateDocument } from '../../src/catalog/update-document.ts';
import { createChild, offeredUnder, SUBSCRIPTION, startUpstream, syncOnce } from '../helpers/sites.ts';

describe('prerequisite updates outside the subscription', () => {
  it('are looked up and downloaded, and kept by a full sync', async () => {
    const upstream = await startUpstream(300, 'prereq');
    const child = await createChild(upstream.url, SUBSCRIPTION);
    try {
      const offered = await offeredUnder(upstream.site.store);
      const all = await upstream.site.store.listLatestIdentities(false);
      // Outside the subscription, and neither superseded nor expired, so only the subscription
      // rule could expire it.
      const candidates = all.filter((i) => !offered.has(revisionKey(i)));
      let outside: (typeof all)[number] | undefined;
      for (const c of candidates) {
        const u = await upstream.site.store.getUpdate(c.updateId);
        if (u !== undefined && !u.isSuperseded && !u.isExpired && u.publicationState !== 'Expired') {
          outside = c;
          break;
        }
      }
      const inside = all.find((i) => offered.has(revisionKey(i)));
      assert.ok(outside && inside, 'the catalog has updates on both sides of the subscription');

      // A new revision of an update in the subscription now requires the one outside it.
      const [current] = await upstream.site.store.getRevisions([inside]);
      assert.ok(current);
      const revision = {
        ...current.revision,
        identity: { updateId: inside.updateId, revisionNumber: inside.revisionNumber + 1 },
        prerequisites: [...current.revision.prerequisites, { updateIds: [outside.updateId], isCategory: false }],
      };
      const xml = writeUpdateDocument(revision);
      const revised: StoredRevision = { revision: parseUpdateDocument(xml), xml };

      const first = await syncOnce(child.site);
      assert.equal(first.state, 'succeeded', first.errorMessage);
      const has = async (key: string) =>
        (await child.site.store.listLatestIdentities(false)).some((i) => revisionKey(i) === key);
      assert.equal(await has(revisionKey(outside)), false, 'not synced while nothing requires it');

      await upstream.site.store.putRevisions([revised]);
      const delta = await syncOnce(child.site);
      assert.equal(delta.state, 'succeeded', delta.errorMessage);
      assert.equal(delta.kind, 'delta');
      assert.equal(delta.updates?.downloaded, 2, 'the revised update and its prerequisite');
      assert.ok(await has(revisionKey(outside)));
      assert.ok(
        child.log.lines.some((l) => l.message === 'Looking up 1 prerequisite update(s) outside the subscription'),
      );

      const full = await syncOnce(child.site, true);
      assert.equal(full.state, 'succeeded', full.errorMessage);
      const kept = await child.site.store.getUpdate(outside.updateId);
      assert.equal(kept?.isExpired, false, 'a required prerequisite is not expired as "no longer offered"');
    } finally {
      await child.site.close();
      await upstream.close();
    }
  });
});
