/**
 * Contract: storing revisions, checking and reading them back, change sequence, atomicity.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { contentHash, revisionKey, type StoredRevision } from '../../../src/catalog/model.ts';
import { guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { type ContractHooks, idsOf, type SiteStoreFactory, T, withStore } from './harness.ts';

const U1 = guid(1);
const U2 = guid(2);
const id = (updateId: string, revisionNumber = 200) => ({ updateId, revisionNumber });

export function catalogContract(factory: SiteStoreFactory, hooks: ContractHooks): void {
  it('reports stored revisions ok and leaves absent ones out of the map', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([update(U1, [IDS.defender], [IDS.definitionUpdates])]);
      for (const verify of [false, true]) {
        const checks = await store.checkRevisions([id(U1), id(U1, 201), id(U2)], verify);
        assert.deepEqual([...checks], [[revisionKey(id(U1)), 'ok']]);
      }
    });
  });

  it('checks many ids in one call', async () => {
    await withStore(factory, async (store) => {
      const revs = Array.from({ length: 1200 }, (_, i) => makeRevision({ id: guid(i + 1) }));
      await store.putRevisions(revs);
      const asked = [...revs.map((r) => r.revision.identity), id(guid(5000))];
      const checks = await store.checkRevisions(asked, true);
      assert.equal(checks.size, 1200);
      assert.ok([...checks.values()].every((c) => c === 'ok'));
    });
  });

  it('verify detects damaged revisions, and writing them again repairs them', {
    skip: !hooks.corruptRevision,
  }, async () => {
    await withStore(factory, async (store, ctx) => {
      const revs = [1, 2, 3, 4, 5].map((n) => makeRevision({ id: guid(n) }));
      await store.putRevisions(revs);
      const damage = hooks.corruptRevision!;
      await damage(ctx.path, id(guid(1)), 'xml-changed');
      await damage(ctx.path, id(guid(2)), 'parsed-null');
      await damage(ctx.path, id(guid(3)), 'parsed-garbage');
      await damage(ctx.path, id(guid(4)), 'parsed-misshapen');
      const ids = revs.map((r) => r.revision.identity);
      const verified = await store.checkRevisions(ids, true);
      assert.deepEqual(
        ids.map((i) => verified.get(revisionKey(i))),
        ['damaged', 'damaged', 'damaged', 'damaged', 'ok'],
      );
      // Without verify only what is visibly missing counts; a changed document needs the re-hash.
      const quick = await store.checkRevisions(ids, false);
      assert.equal(quick.get(revisionKey(id(guid(1)))), 'ok');
      assert.equal(quick.get(revisionKey(id(guid(2)))), 'damaged');
      await store.putRevisions(revs.slice(0, 4));
      const repaired = await store.checkRevisions(ids, true);
      assert.ok([...repaired.values()].every((c) => c === 'ok'));
    });
  });

  it('gives back the original documents and facts, in the order asked, skipping absent ids', async () => {
    await withStore(factory, async (store) => {
      const a = update(U1, [IDS.defender], [IDS.definitionUpdates], { kb: ['2267602'], title: 'Défense & <co>' });
      const b = makeRevision({ id: U2, rev: 7 });
      await store.putRevisions([a, b]);
      const got = await store.getRevisions([id(U2, 7), id(guid(99)), id(U1)]);
      assert.deepEqual(got, [b, a]);
    });
  });

  it('gives back documents alone, in the order asked, with their hash, skipping absent and changed ones', {
    skip: !hooks.corruptRevision,
  }, async () => {
    await withStore(factory, async (store, ctx) => {
      const revs = [1, 2, 3].map((n) => makeRevision({ id: guid(n), title: `Update ${n} — ü` }));
      await store.putRevisions(revs);
      await hooks.corruptRevision!(ctx.path, id(guid(1)), 'xml-changed');
      await hooks.corruptRevision!(ctx.path, id(guid(3)), 'parsed-garbage');
      const got = await store.getRevisionDocuments([id(guid(3)), id(guid(99)), id(guid(1)), id(guid(2))]);
      assert.deepEqual(
        got,
        [revs[2], revs[1]].map((r) => ({
          identity: r?.revision.identity,
          xml: r?.xml,
          sha256: contentHash(r?.xml ?? ''),
        })),
      );
    });
  });

  it('hands out increasing change sequence numbers, a new one for a rewritten revision', async () => {
    await withStore(factory, async (store) => {
      assert.equal(await store.currentSeq(), 0);
      await store.putRevisions([makeRevision({ id: U1 }), makeRevision({ id: U2 })]);
      const first = await store.currentSeq();
      assert.ok(first >= 2);
      await store.putRevisions([makeRevision({ id: U1 })]);
      const second = await store.currentSeq();
      assert.ok(second > first);
      const changed = await store.listRevisionsForDownstream({ config: false, sinceSeq: first });
      assert.deepEqual(changed.ids, [id(U1)]);
      assert.equal(changed.seq, second);
    });
  });

  it('applies the sync-state patch with the batch', async () => {
    await withStore(factory, async (store) => {
      const url = 'https://wsus.contoso.com:8531';
      await store.putRevisions([makeRevision({ id: U1 })], {
        state: { upstreamUrl: url, patch: { updateAnchor: '9438,2026' } },
      });
      assert.equal((await store.getSyncState(url))?.updateAnchor, '9438,2026');
    });
  });

  const invalid: [string, (good: StoredRevision) => StoredRevision][] = [
    ['an identity that is not a GUID', (g) => ({ ...g, revision: { ...g.revision, identity: id('not-a-guid') } })],
    ['no document', (g) => ({ ...g, xml: null as unknown as string })],
    ['a fractional revision number', (g) => ({ ...g, revision: { ...g.revision, identity: id(guid(3), 1.5) } })],
  ];
  for (const [what, spoil] of invalid) {
    it(`writes nothing, and no sync state, when one revision of a batch has ${what}`, async () => {
      await withStore(factory, async (store) => {
        const url = 'https://wsus.contoso.com:8531';
        await store.putRevisions(wellKnownCategories());
        const seq = await store.currentSeq();
        const good = update(U1, [IDS.defender], [IDS.definitionUpdates]);
        const batch = [good, makeRevision({ id: U2 }), spoil(makeRevision({ id: guid(3) }))];
        await assert.rejects(store.putRevisions(batch, { state: { upstreamUrl: url, patch: { updateAnchor: 'A' } } }));
        assert.equal((await store.checkRevisions([id(U1), id(U2)], false)).size, 0);
        assert.equal(await store.currentSeq(), seq);
        assert.equal(await store.getSyncState(url), undefined);
        assert.deepEqual(await store.queryUpdates({}), { total: 0, items: [] });
        // The store is still usable afterwards.
        await store.putRevisions([good]);
        assert.equal((await store.queryUpdates({ productId: IDS.defender })).total, 1);
      });
    });
  }

  it('keeps every revision but derives the update from the highest revision number', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions(wellKnownCategories());
      await store.putRevisions([makeRevision({ id: U1, rev: 201, created: T.mar, title: 'Second' })]);
      await store.putRevisions([makeRevision({ id: U1, rev: 200, created: T.jan, title: 'First' })]);
      assert.deepEqual(await store.listLatestIdentities(false), [id(U1, 201)]);
      const checks = await store.checkRevisions([id(U1, 200), id(U1, 201)], true);
      assert.equal(checks.size, 2);
      const summary = await store.getUpdate(U1);
      assert.equal(summary?.title, 'Second');
      assert.equal(summary?.revisionNumber, 201);
      assert.equal(summary?.datePosted, T.jan);
      assert.equal(summary?.dateRevised, T.mar);
    });
  });

  it('lists latest identities of categories and detectoids separately from updates', async () => {
    await withStore(factory, async (store) => {
      const detectoid = makeRevision({ id: guid(1, 0xde7), type: 'Detectoid', rev: 100 });
      const driver = makeRevision({ id: U2, type: 'Driver' });
      await store.putRevisions([...wellKnownCategories(), detectoid, makeRevision({ id: U1 }), driver]);
      const config = await store.listLatestIdentities(true);
      assert.equal(config.length, wellKnownCategories().length + 1);
      assert.ok(config.some((c) => c.updateId === detectoid.revision.identity.updateId && c.revisionNumber === 100));
      assert.deepEqual(idsOf(await store.listLatestIdentities(false)), [U1, U2].sort());
    });
  });

  it('lists prerequisite ids outside category clauses of the latest revisions', async () => {
    await withStore(factory, async (store) => {
      const plain = (ids: string[]) => ({ updateIds: ids, isCategory: false, isAtLeastOne: ids.length > 1 });
      const old = makeRevision({ id: U1, rev: 200, prerequisites: [plain([guid(20)])] });
      const latest = makeRevision({
        id: U1,
        rev: 201,
        prerequisites: [plain([guid(21), guid(22)]), { updateIds: [guid(23)], isCategory: true }],
      });
      const other = makeRevision({ id: U2, prerequisites: [plain([guid(22)])] });
      await store.putRevisions([old, latest, other]);
      const ids = await store.listPrerequisiteIds([U1, U2, guid(404)]);
      assert.deepEqual(ids.sort(), [guid(21), guid(22)].sort());
      // A full sync asks for most of the catalog at once; the answer must not depend on the size.
      const many = [U1, ...Array.from({ length: 12_000 }, (_, i) => guid(100_000 + i))];
      assert.deepEqual((await store.listPrerequisiteIds(many)).sort(), [guid(21), guid(22)].sort());
      assert.deepEqual((await store.listPrerequisiteIds([U2, ...many.slice(1)])).sort(), [guid(22)]);
      assert.deepEqual([...(await store.storedUpdateIds([U1, guid(21), U2, guid(404)]))].sort(), [U1, U2].sort());
    });
  });

  it('lists the bundle members of the latest revisions of bundles', async () => {
    await withStore(factory, async (store) => {
      const old = makeRevision({ id: U1, rev: 200, bundled: [id(guid(10))] });
      const latest = makeRevision({ id: U1, rev: 201, bundled: [id(guid(11)), id(guid(12), 5)] });
      const other = makeRevision({ id: U2, bundled: [id(guid(12), 5)] });
      await store.putRevisions([old, latest, other, makeRevision({ id: guid(3) })]);
      const members = await store.listBundleMembers([U1, U2, guid(3), guid(404)]);
      assert.deepEqual(
        members.map(revisionKey).sort(),
        [revisionKey(id(guid(11))), revisionKey(id(guid(12), 5))].sort(),
      );
    });
  });
}
