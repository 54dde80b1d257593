/**
 * Contract: deferred catalog writes (what a sync phase does with its batches). The rows commit at
 * once; memberships, facets, superseded flags and the downstream change sequence follow at the
 * closing write, a sync-state write, or after a crash at the next one — and end exactly as if every
 * batch had been written plainly.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoredRevision } from '../../../src/catalog/model.ts';
import type { SiteStore } from '../../../src/store/site-store.ts';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { type ContractHooks, idsOf, type SiteStoreFactory, withStore } from './harness.ts';

const LEAF = guid(10);
const BUNDLE = guid(11);
const OLD = guid(1);
const NEW = guid(2);
const OTHER = guid(3);

/** Three batches a phase might commit: a superseded update, its successor and a bundle with its leaf. */
function batches(): StoredRevision[][] {
  const leaf = update(LEAF, [IDS.defender], [], { viaClause: false });
  const bundle = makeRevision({
    id: BUNDLE,
    prerequisites: [clause([IDS.definitionUpdates], false), clause([IDS.defender], false)],
    bundled: [leaf.revision.identity],
  });
  return [
    [update(OLD, [IDS.windows11], [IDS.securityUpdates]), leaf],
    [update(NEW, [IDS.windows11], [IDS.securityUpdates], { supersedes: [OLD] }), bundle],
    [update(OTHER, [IDS.defender], [IDS.definitionUpdates])],
  ];
}

/** What a patch admin and a downstream server see of the catalog. */
async function view(store: SiteStore) {
  const filtered = async (productId: string, classificationId: string) =>
    idsOf((await store.queryUpdates({ productId, classificationId })).items);
  const downstream = await store.listRevisionsForDownstream({
    config: false,
    products: [{ id: IDS.defender, delta: true }],
    classifications: [{ id: IDS.definitionUpdates, delta: true }],
  });
  return {
    defenderDefinitions: await filtered(IDS.defender, IDS.definitionUpdates),
    windowsSecurity: await filtered(IDS.windows11, IDS.securityUpdates),
    superseded: idsOf((await store.queryUpdates({ isSuperseded: true })).items),
    downstream: idsOf(downstream.ids),
    counts: await store.countUpdatesByState(),
  };
}

async function writeDeferred(store: SiteStore): Promise<void> {
  for (const batch of batches()) await store.putRevisions(batch, { deferDerived: true });
}

export function deferredContract(factory: SiteStoreFactory, hooks: ContractHooks): void {
  it('ends as if each batch were written plainly once a closing write comes', async () => {
    let plain: Awaited<ReturnType<typeof view>> | undefined;
    await withStore(factory, async (store) => {
      await store.putRevisions(wellKnownCategories());
      for (const batch of batches()) await store.putRevisions(batch);
      plain = await view(store);
    });
    assert.deepEqual(plain?.defenderDefinitions, [BUNDLE, LEAF, OTHER].sort());
    assert.deepEqual(plain?.superseded, [OLD]);
    await withStore(factory, async (store) => {
      await store.putRevisions(wellKnownCategories());
      await writeDeferred(store);
      await store.putRevisions([]);
      assert.deepEqual(await view(store), plain);
    });
  });

  it('commits the rows at once but keeps the downstream sequence behind them until then', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(wellKnownCategories());
      const before = await store.currentSeq();
      await writeDeferred(store);
      const ids = batches()
        .flat()
        .map((r) => r.revision.identity);
      const checks = await store.checkRevisions(ids, true);
      assert.equal(checks.size, ids.length, 'every deferred revision is stored and sound');
      assert.equal(await store.currentSeq(), before, 'no anchor may cover revisions without memberships');
      const listed = await store.listRevisionsForDownstream({ config: false, sinceSeq: before });
      assert.equal(listed.seq, before);
      await store.putRevisions([]);
      assert.ok((await store.currentSeq()) >= before + ids.length);
      const again = await store.listRevisionsForDownstream({
        config: false,
        sinceSeq: before,
        products: [{ id: IDS.defender, delta: true }],
        classifications: [{ id: IDS.definitionUpdates, delta: true }],
      });
      assert.deepEqual(idsOf(again.ids), [BUNDLE, LEAF, OTHER].sort(), 'served after an anchor taken before');
    });
  });

  it('completes deferred work before a sync-state write, also after the writer died', async () => {
    await withStore(factory, async (store, ctx) => {
      await store.putRevisions(wellKnownCategories());
      await writeDeferred(store);
      // A killed sync: the next process finds the marks and finishes them with its first anchor write.
      const reopened = await ctx.reopen();
      await reopened.patchSyncState('https://wsus.contoso.com:8531', { updateAnchor: 'A1' });
      const seen = await view(reopened);
      assert.deepEqual(seen.defenderDefinitions, [BUNDLE, LEAF, OTHER].sort());
      assert.deepEqual(seen.windowsSecurity, [NEW, OLD].sort());
      assert.deepEqual(seen.superseded, [OLD]);
      assert.equal(seen.counts.superseded, 1);
    });
  });

  for (const damage of ['parsed-garbage', 'parsed-misshapen'] as const) {
    it(`skips a revision damaged before the closing write (${damage}), and takes it in once it is written again`, {
      skip: !hooks.corruptRevision,
    }, async () => {
      await withStore(factory, async (store, ctx) => {
        await store.putRevisions(wellKnownCategories());
        await writeDeferred(store);
        const successor = batches()[1]?.[0];
        assert.ok(successor);
        // Between a killed sync's last batch and the next run, the successor's stored facts rot.
        await hooks.corruptRevision!(ctx.path, successor.revision.identity, damage);
        await store.putRevisions([]);
        let seen = await view(store);
        assert.deepEqual(seen.defenderDefinitions, [BUNDLE, LEAF, OTHER].sort(), 'the other updates are refreshed');
        assert.deepEqual(seen.superseded, [], 'unreadable facts supersede nothing');
        assert.deepEqual(seen.windowsSecurity, [OLD]);
        await store.putRevisions([successor]);
        seen = await view(store);
        assert.deepEqual(seen.superseded, [OLD]);
        assert.deepEqual(seen.windowsSecurity, [NEW, OLD].sort());
      });
    });
  }
}
