/**
 * Prerequisites are fetched even when the filter would not list them: an update in the
 * subscription that requires an update outside it brings that update along, on a delta too, and so
 * do the prerequisites of that update in turn.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { revisionKey, type StoredRevision, type UpdateIdentity } from '../../src/catalog/model.ts';
import { parseUpdateDocument, writeUpdateDocument } from '../../src/catalog/update-document.ts';
import type { SiteStore } from '../../src/store/site-store.ts';
import { offeredUnder, syncOnce, withUpstreamAndChild } from '../helpers/sites.ts';

/** A new revision of `id` whose prerequisites also name `requires`. */
async function requiring(store: SiteStore, id: UpdateIdentity, requires: string): Promise<StoredRevision> {
  const [current] = await store.getRevisions([id]);
  assert.ok(current);
  const revision = {
    ...current.revision,
    identity: { updateId: id.updateId, revisionNumber: id.revisionNumber + 1 },
    prerequisites: [...current.revision.prerequisites, { updateIds: [requires], isCategory: false }],
  };
  const xml = writeUpdateDocument(revision);
  return { revision: parseUpdateDocument(xml), xml };
}

/**
 * Updates outside the subscription that neither are superseded nor expired, so only the
 * subscription rule could expire them; and one inside it.
 */
async function pickUpdates(store: SiteStore, outsideCount: number) {
  const offered = await offeredUnder(store);
  const all = await store.listLatestIdentities(false);
  const outside: UpdateIdentity[] = [];
  for (const c of all.filter((i) => !offered.has(revisionKey(i)))) {
    const u = await store.getUpdate(c.updateId);
    if (u !== undefined && !u.isSuperseded && !u.isExpired && u.publicationState !== 'Expired') outside.push(c);
    if (outside.length === outsideCount) break;
  }
  const inside = all.find((i) => offered.has(revisionKey(i)));
  assert.ok(outside.length === outsideCount && inside, 'the catalog has updates on both sides of the subscription');
  return { inside, outside };
}

describe('prerequisite updates outside the subscription', () => {
  it('are looked up and downloaded, and kept by a full sync', async () => {
    await withUpstreamAndChild(300, 'prereq', async (upstream, child) => {
      const {
        inside,
        outside: [outside],
      } = await pickUpdates(upstream.site.store, 1);
      assert.ok(outside);
      // A new revision of an update in the subscription now requires the one outside it.
      const revised = await requiring(upstream.site.store, inside, outside.updateId);

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
    });
  });

  it('are followed through a chain, and a full sync keeps the whole chain', async () => {
    await withUpstreamAndChild(300, 'prereq-chain', async (upstream, child) => {
      const {
        inside,
        outside: [first, second],
      } = await pickUpdates(upstream.site.store, 2);
      assert.ok(first && second);
      assert.equal((await syncOnce(child.site)).state, 'succeeded');
      // inside requires first, whose new revision requires second.
      const firstRevised = await requiring(upstream.site.store, first, second.updateId);
      await upstream.site.store.putRevisions([
        await requiring(upstream.site.store, inside, first.updateId),
        firstRevised,
      ]);

      const before = new Set((await child.site.store.listLatestIdentities(false)).map((i) => i.updateId));
      let revisionLists = 0;
      upstream.app.server.on('request', (req) => {
        if (String(req.headers.soapaction).endsWith('/GetRevisionIdList"')) revisionLists++;
      });
      const lookups = () => child.log.lines.filter((l) => l.message.startsWith('Looking up ')).length;
      const lookupsBefore = lookups();
      const delta = await syncOnce(child.site);
      assert.equal(delta.state, 'succeeded', delta.errorMessage);
      assert.equal(lookups() - lookupsBefore, 2, 'one lookup per link of the chain');
      assert.equal(revisionLists, 3, 'categories, the filtered list, and the unfiltered list once for both links');
      const brought = (await child.site.store.listLatestIdentities(false)).filter((i) => !before.has(i.updateId));
      const keys = new Set(brought.map(revisionKey));
      assert.ok(keys.has(revisionKey(firstRevised.revision.identity)), 'the first link, at its new revision');
      assert.ok(keys.has(revisionKey(second)), 'the second link');

      // What the delta brought along (the chain, and whatever the chain bundles or requires) is
      // required by the subscription, so a full sync expires none of it.
      const full = await syncOnce(child.site, true);
      assert.equal(full.state, 'succeeded', full.errorMessage);
      for (const id of brought) {
        assert.equal((await child.site.store.getUpdate(id.updateId))?.isExpired, false, `${id.updateId} kept`);
      }
    });
  });
});
