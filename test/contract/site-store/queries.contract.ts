/**
 * Contract: the patch-admin view — filters, order, paging, summaries, bundle inheritance,
 * supersedence, categories.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoredRevision } from '../../../src/catalog/model.ts';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { idsOf, type SiteStoreFactory, T, withStore } from './harness.ts';

const LEAF = guid(10);
const BUNDLE = guid(11);

/** A Defender-like pair: the leaf names only its product; the bundle carries the classification. */
function leafAndBundle(): [StoredRevision, StoredRevision] {
  const leaf = update(LEAF, [IDS.defender], [], { viaClause: false });
  const bundle = makeRevision({
    id: BUNDLE,
    prerequisites: [clause([IDS.definitionUpdates], false), clause([IDS.defender], false)],
    bundled: [leaf.revision.identity],
  });
  return [leaf, bundle];
}

export function queriesContract(factory: SiteStoreFactory): void {
  it('lists software and driver updates only, newest revision date first, then by id', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        ...wellKnownCategories(),
        makeRevision({ id: guid(1, 0xde7), type: 'Detectoid' }),
        makeRevision({ id: guid(3), created: T.jan }),
        makeRevision({ id: guid(2), created: T.mar }),
        makeRevision({ id: guid(1), created: T.mar, type: 'Driver' }),
      ]);
      const { total, items } = await store.queryUpdates({});
      assert.equal(total, 3);
      assert.deepEqual(
        items.map((i) => i.updateId),
        [guid(1), guid(2), guid(3)],
      );
    });
  });

  it('pages with offset and limit (default 50, at most 1000) and counts the total', async () => {
    await withStore(factory, async (store) => {
      const created = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
      await store.putRevisions(
        Array.from({ length: 60 }, (_, n) => makeRevision({ id: guid(n + 1), created: created(n) })),
      );
      const first = await store.queryUpdates({});
      assert.equal(first.total, 60);
      assert.equal(first.items.length, 50);
      assert.equal(first.items[0]?.updateId, guid(60));
      const page = await store.queryUpdates({ offset: 55, limit: 10 });
      assert.deepEqual(
        page.items.map((i) => i.updateId),
        [guid(5), guid(4), guid(3), guid(2), guid(1)],
      );
      assert.equal((await store.queryUpdates({ limit: 5000 })).items.length, 60);
      assert.deepEqual(await store.queryUpdates({ offset: 60 }), { total: 60, items: [] });
    });
  });

  it('filters by product and classification, including what a leaf inherits from its bundle', async () => {
    await withStore(factory, async (store) => {
      const [leaf, bundle] = leafAndBundle();
      await store.putRevisions([
        ...wellKnownCategories(),
        leaf,
        bundle,
        update(guid(1), [IDS.windows11], [IDS.securityUpdates]),
      ]);
      const q = async (productId?: string, classificationId?: string) =>
        idsOf(
          (
            await store.queryUpdates({
              ...(productId ? { productId } : {}),
              ...(classificationId ? { classificationId } : {}),
            })
          ).items,
        );
      assert.deepEqual(await q(IDS.defender, IDS.definitionUpdates), [LEAF, BUNDLE]);
      assert.deepEqual(await q(undefined, IDS.definitionUpdates), [LEAF, BUNDLE]);
      assert.deepEqual(await q(IDS.windows11), [guid(1)]);
      assert.deepEqual(await q(IDS.defender, IDS.securityUpdates), []);
      const summary = await store.getUpdate(LEAF);
      assert.deepEqual(summary?.productIds, [IDS.defender]);
      assert.deepEqual(summary?.classificationIds, [IDS.definitionUpdates]);
    });
  });

  for (const order of [
    'bundle first, one batch',
    'leaf first, one batch',
    'bundle in a later batch',
    'leaf in a later batch',
  ]) {
    it(`inherits the bundle's classification whatever the arrival order (${order})`, async () => {
      await withStore(factory, async (store) => {
        const [leaf, bundle] = leafAndBundle();
        await store.putRevisions(wellKnownCategories());
        if (order === 'bundle first, one batch') await store.putRevisions([bundle, leaf]);
        if (order === 'leaf first, one batch') await store.putRevisions([leaf, bundle]);
        if (order === 'bundle in a later batch') for (const r of [leaf, bundle]) await store.putRevisions([r]);
        if (order === 'leaf in a later batch') for (const r of [bundle, leaf]) await store.putRevisions([r]);
        const found = await store.queryUpdates({ productId: IDS.defender, classificationId: IDS.definitionUpdates });
        assert.deepEqual(idsOf(found.items), [LEAF, BUNDLE]);
      });
    });
  }

  it('inherits through nested bundles, and an own classification wins over the bundle one', async () => {
    await withStore(factory, async (store) => {
      const leaf = update(guid(20), [IDS.defender], [], { viaClause: false });
      const own = update(guid(21), [IDS.defender], [IDS.securityUpdates]);
      const hidden = makeRevision({ id: guid(22), bundled: [leaf.revision.identity, own.revision.identity] });
      const top = update(guid(23), [IDS.defender], [IDS.definitionUpdates], { bundled: [hidden.revision.identity] });
      await store.putRevisions([...wellKnownCategories(), leaf, own, hidden, top]);
      const defs = await store.queryUpdates({ classificationId: IDS.definitionUpdates });
      assert.deepEqual(idsOf(defs.items), [guid(20), guid(22), guid(23)]);
      assert.deepEqual((await store.getUpdate(guid(21)))?.classificationIds, [IDS.securityUpdates]);
    });
  });

  it('filters by KB article, severity, title text and dates', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        makeRevision({
          id: guid(1),
          kb: ['5034441'],
          severity: 'Critical',
          title: 'Sicherheitsupdate für DÉFENSE',
          created: T.jan,
        }),
        makeRevision({
          id: guid(2),
          kb: ['KB2267602'],
          severity: 'Important',
          title: 'Security Intelligence Update',
          created: T.mar,
        }),
      ]);
      await store.putRevisions([
        makeRevision({
          id: guid(2),
          rev: 201,
          kb: ['KB2267602'],
          severity: 'Important',
          title: 'Security Intelligence Update',
          created: T.apr,
        }),
      ]);
      const ids = async (query: Parameters<typeof store.queryUpdates>[0]) =>
        idsOf((await store.queryUpdates(query)).items);
      assert.deepEqual(await ids({ kbArticleId: '2267602' }), [guid(2)]);
      assert.deepEqual(await ids({ kbArticleId: 'KB5034441' }), [guid(1)]);
      assert.deepEqual(await ids({ kbArticleId: '123' }), []);
      assert.deepEqual(await ids({ severity: 'Critical' }), [guid(1)]);
      assert.deepEqual(await ids({ text: 'INTELLIGENCE' }), [guid(2)]);
      assert.deepEqual(await ids({ text: 'défense' }), [guid(1)]);
      assert.deepEqual(await ids({ postedFrom: T.feb }), [guid(2)]);
      assert.deepEqual(await ids({ postedTo: T.feb }), [guid(1)]);
      assert.deepEqual(await ids({ revisedFrom: T.apr, revisedTo: T.apr }), [guid(2)]);
      assert.deepEqual(await ids({ revisedTo: T.mar }), [guid(1)]);
      assert.deepEqual(await ids({ kbArticleId: '2267602', productId: IDS.defender }), []);
    });
  });

  it('marks updates superseded by a stored update, whichever arrives first', async () => {
    await withStore(factory, async (store) => {
      const old = update(guid(1), [IDS.defender], [IDS.definitionUpdates]);
      const newer = update(guid(2), [IDS.defender], [IDS.definitionUpdates], { supersedes: [guid(1), guid(404)] });
      const newest = update(guid(3), [IDS.defender], [IDS.definitionUpdates], { supersedes: [guid(2)] });
      await store.putRevisions([...wellKnownCategories(), newest]);
      await store.putRevisions([old, newer]);
      const superseded = await store.queryUpdates({ productId: IDS.defender, isSuperseded: true });
      assert.deepEqual(idsOf(superseded.items), [guid(1), guid(2)]);
      assert.deepEqual(idsOf((await store.queryUpdates({ isSuperseded: false })).items), [guid(3)]);
      assert.deepEqual((await store.getUpdate(guid(1)))?.supersededBy, [guid(2)]);
      // Superseded later, by an update of a later batch.
      await store.putRevisions([update(guid(4), [IDS.defender], [IDS.definitionUpdates], { supersedes: [guid(3)] })]);
      assert.deepEqual(idsOf((await store.queryUpdates({ productId: IDS.defender, isSuperseded: false })).items), [
        guid(4),
      ]);
      // A new revision that no longer supersedes lifts the flag.
      await store.putRevisions([update(guid(3), [IDS.defender], [IDS.definitionUpdates], { rev: 201 })]);
      assert.equal((await store.getUpdate(guid(2)))?.isSuperseded, false);
      assert.deepEqual(idsOf((await store.queryUpdates({ productId: IDS.defender, isSuperseded: false })).items), [
        guid(2),
        guid(4),
      ]);
    });
  });

  it('summarises an update like SMS_SoftwareUpdate', async () => {
    await withStore(factory, async (store) => {
      const rev = (n: number, created: string) =>
        makeRevision({
          id: guid(1),
          rev: n,
          created,
          title: 'Feature update to Windows 11, version 24H2',
          titles: { de: 'Funktionsupdate für Windows 11' },
          description: 'Install the latest version of Windows.',
          kb: ['5035942'],
          bulletins: ['MS24-001'],
          severity: 'Important',
          feature: true,
          prerequisites: [clause([IDS.windows11]), clause([IDS.securityUpdates])],
          bundled: [{ updateId: guid(2), revisionNumber: 1 }],
        });
      await store.putRevisions([...wellKnownCategories(), rev(200, T.jan), rev(202, T.mar)]);
      assert.deepEqual(await store.getUpdate(guid(1)), {
        updateId: guid(1),
        revisionNumber: 202,
        updateType: 'Software',
        title: 'Feature update to Windows 11, version 24H2',
        description: 'Install the latest version of Windows.',
        kbArticleIds: ['5035942'],
        bulletinIds: ['MS24-001'],
        msrcSeverity: 'Important',
        productIds: [IDS.windows11],
        classificationIds: [IDS.securityUpdates],
        datePosted: T.jan,
        dateRevised: T.mar,
        isBundle: true,
        isSuperseded: false,
        supersededBy: [],
        isExpired: false,
        isDeployed: false,
        isFeatureUpdate: true,
        publicationState: 'Published',
      });
      assert.equal(await store.getUpdate(guid(404)), undefined);
      assert.equal(await store.getUpdate(IDS.defender), undefined);
    });
  });

  it('lists categories with their type, title and parent', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        ...wellKnownCategories(),
        makeRevision({ id: guid(9), type: 'Category', title: 'Untyped' }),
      ]);
      const byId = new Map((await store.listCategories()).map((c) => [c.categoryId, c]));
      assert.equal(byId.size, wellKnownCategories().length + 1);
      assert.deepEqual(byId.get(IDS.defender), {
        categoryId: IDS.defender,
        revisionNumber: 100,
        categoryType: 'Product',
        title: 'Microsoft Defender Antivirus',
        parentId: IDS.windows,
      });
      assert.equal(byId.get(IDS.windows)?.parentId, IDS.microsoft);
      assert.equal(byId.get(IDS.microsoft)?.parentId, undefined);
      assert.deepEqual(byId.get(guid(9)), { categoryId: guid(9), revisionNumber: 200, title: 'Untyped' });
    });
  });
}
