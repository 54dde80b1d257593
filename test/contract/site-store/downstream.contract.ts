/**
 * Contract: what a downstream server gets from GetRevisionIdList — the category list, the update
 * list filtered by product AND classification, and per-id Delta against the change sequence.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RevisionListQuery } from '../../../src/store/site-store.ts';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { idsOf, type SiteStoreFactory, withStore } from './harness.ts';

const DEFENDER_DEFS = guid(1);
const WIN11_SECURITY = guid(2);
const DETECTOID = guid(1, 0xde7);

const seed = () => [
  ...wellKnownCategories(),
  makeRevision({ id: DETECTOID, type: 'Detectoid', rev: 100 }),
  update(DEFENDER_DEFS, [IDS.defender], [IDS.definitionUpdates]),
  update(WIN11_SECURITY, [IDS.windows11], [IDS.securityUpdates]),
];

const filter = (
  products: readonly string[],
  classifications: readonly string[],
  more: Partial<RevisionListQuery> & { productDelta?: boolean; classificationDelta?: boolean } = {},
): RevisionListQuery => ({
  config: false,
  products: products.map((id) => ({ id, delta: more.productDelta ?? true })),
  classifications: classifications.map((id) => ({ id, delta: more.classificationDelta ?? true })),
  ...(more.sinceSeq === undefined ? {} : { sinceSeq: more.sinceSeq }),
});

export function downstreamContract(factory: SiteStoreFactory): void {
  it('serves categories and detectoids for the config list, never updates', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      const { ids, seq } = await store.listRevisionsForDownstream({ config: true });
      assert.deepEqual(
        idsOf(ids),
        [...wellKnownCategories().map((c) => c.revision.identity.updateId), DETECTOID].sort(),
      );
      assert.equal(seq, await store.currentSeq());
    });
  });

  it('answers a filter with only products, or only classifications, with nothing (like WSUS)', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      assert.deepEqual((await store.listRevisionsForDownstream(filter([IDS.defender], []))).ids, []);
      assert.deepEqual((await store.listRevisionsForDownstream(filter([], [IDS.definitionUpdates]))).ids, []);
    });
  });

  it("lists each update's effective scope, which is what a filtered list matches", async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      assert.deepEqual(await store.listUpdateScopes(), [
        { updateId: DEFENDER_DEFS, products: [IDS.defender], classifications: [IDS.definitionUpdates] },
        { updateId: WIN11_SECURITY, products: [IDS.windows11], classifications: [IDS.securityUpdates] },
      ]);
    });
  });

  it('serves updates in a listed product AND a listed classification', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      const list = async (p: string[], c: string[]) =>
        idsOf((await store.listRevisionsForDownstream(filter(p, c))).ids);
      assert.deepEqual(await list([IDS.defender], [IDS.definitionUpdates]), [DEFENDER_DEFS]);
      assert.deepEqual(await list([IDS.defender], [IDS.securityUpdates]), []);
      assert.deepEqual(
        await list([IDS.defender, IDS.windows11], [IDS.definitionUpdates, IDS.securityUpdates]),
        [DEFENDER_DEFS, WIN11_SECURITY].sort(),
      );
      const all = await store.listRevisionsForDownstream({ config: false });
      assert.deepEqual(idsOf(all.ids), [DEFENDER_DEFS, WIN11_SECURITY].sort());
    });
  });

  it('serves the latest revision only', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        ...seed(),
        update(DEFENDER_DEFS, [IDS.defender], [IDS.definitionUpdates], { rev: 201 }),
      ]);
      const { ids } = await store.listRevisionsForDownstream(filter([IDS.defender], [IDS.definitionUpdates]));
      assert.deepEqual(ids, [{ updateId: DEFENDER_DEFS, revisionNumber: 201 }]);
    });
  });

  it('with an anchor serves only what changed since, unless a matching id asks for Delta=false', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      const anchor = await store.currentSeq();
      const fresh = guid(3);
      await store.putRevisions([update(fresh, [IDS.defender], [IDS.definitionUpdates])]);
      const since = (more: Parameters<typeof filter>[2]) =>
        store.listRevisionsForDownstream(
          filter([IDS.defender], [IDS.definitionUpdates], { sinceSeq: anchor, ...more }),
        );
      assert.deepEqual(idsOf((await since({})).ids), [fresh]);
      assert.deepEqual(idsOf((await since({ productDelta: false })).ids), [DEFENDER_DEFS, fresh].sort());
      assert.deepEqual(idsOf((await since({ classificationDelta: false })).ids), [DEFENDER_DEFS, fresh].sort());
      const now = await since({});
      assert.equal(now.seq, await store.currentSeq());
      assert.deepEqual(
        (await store.listRevisionsForDownstream(filter([IDS.defender], [IDS.definitionUpdates], { sinceSeq: now.seq })))
          .ids,
        [],
      );
      assert.deepEqual((await store.listRevisionsForDownstream({ config: true, sinceSeq: anchor })).ids, []);
    });
  });

  it('Delta=false on an id applies only to updates matched through that id', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(seed());
      const anchor = await store.currentSeq();
      const query: RevisionListQuery = {
        config: false,
        sinceSeq: anchor,
        products: [
          { id: IDS.defender, delta: true },
          { id: IDS.windows11, delta: false },
        ],
        classifications: [
          { id: IDS.definitionUpdates, delta: true },
          { id: IDS.securityUpdates, delta: true },
        ],
      };
      assert.deepEqual(idsOf((await store.listRevisionsForDownstream(query)).ids), [WIN11_SECURITY]);
    });
  });

  it('matches like a real WSUS: plain AtLeastOne categories count, and leaves inherit from their bundle', async () => {
    // The real Defender catalog: the bundle names product and classification in plain AtLeastOne
    // clauses, the leaves only the product; WSUS still lists both for Defender x Definition Updates.
    await withStore(factory, async (store) => {
      const leaf = update(guid(10), [IDS.defender], [], { viaClause: false });
      const bundle = makeRevision({
        id: guid(11),
        prerequisites: [clause([IDS.definitionUpdates], false), clause([IDS.defender], false)],
        bundled: [leaf.revision.identity],
      });
      await store.putRevisions([...wellKnownCategories(), leaf, bundle]);
      const { ids } = await store.listRevisionsForDownstream(filter([IDS.defender], [IDS.definitionUpdates]));
      assert.deepEqual(idsOf(ids), [guid(10), guid(11)]);
    });
  });

  it('serves a leaf again when a bundle arriving later makes it match', async () => {
    await withStore(factory, async (store) => {
      const leaf = update(guid(10), [IDS.defender], [], { viaClause: false });
      await store.putRevisions([...wellKnownCategories(), leaf]);
      const anchor = await store.currentSeq();
      const q = filter([IDS.defender], [IDS.definitionUpdates], { sinceSeq: anchor });
      assert.deepEqual((await store.listRevisionsForDownstream(q)).ids, []);
      const bundle = update(guid(11), [IDS.defender], [IDS.definitionUpdates], { bundled: [leaf.revision.identity] });
      await store.putRevisions([bundle]);
      assert.deepEqual(idsOf((await store.listRevisionsForDownstream(q)).ids), [guid(10), guid(11)]);
    });
  });

  it('resolves memberships again when a category arrives after the updates that name it', async () => {
    await withStore(factory, async (store) => {
      const categories = wellKnownCategories();
      const defender = categories.find((c) => c.revision.identity.updateId === IDS.defender)!;
      await store.putRevisions([
        ...categories.filter((c) => c !== defender),
        update(guid(10), [IDS.defender], [IDS.definitionUpdates]),
      ]);
      const q = filter([IDS.defender], [IDS.definitionUpdates]);
      assert.deepEqual((await store.listRevisionsForDownstream(q)).ids, []);
      await store.putRevisions([defender]);
      assert.deepEqual(idsOf((await store.listRevisionsForDownstream(q)).ids), [guid(10)]);
    });
  });
}
