/**
 * Contract: expiry (site rules and upstream), deployment flags, cleanup of expired updates and the
 * supersedence edges the rules read.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clause, guid, IDS, makeRevision, update, wellKnownCategories } from '../../helpers/revisions.ts';
import { idsOf, type SiteStoreFactory, T, withStore } from './harness.ts';

export function maintenanceContract(factory: SiteStoreFactory): void {
  it('expires updates once, with time and reason, and filters on it', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([1, 2, 3].map((n) => makeRevision({ id: guid(n) })));
      assert.equal(await store.expireUpdates([guid(1), guid(2), guid(404)], T.feb, 'superseded'), 2);
      assert.equal(await store.expireUpdates([guid(1), guid(3)], T.mar, 'superseded'), 1);
      const u1 = await store.getUpdate(guid(1));
      assert.equal(u1?.isExpired, true);
      assert.equal(u1?.expiredAt, T.feb);
      assert.deepEqual(idsOf((await store.queryUpdates({ isExpired: true })).items), [guid(1), guid(2), guid(3)]);
      assert.equal((await store.queryUpdates({ isExpired: false })).total, 0);
    });
  });

  it('expires an update whose latest revision the upstream published as Expired', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([...wellKnownCategories(), update(guid(1), [IDS.defender], [IDS.definitionUpdates])]);
      const before = new Date().toISOString();
      await store.putRevisions([
        update(guid(1), [IDS.defender], [IDS.definitionUpdates], { rev: 201, state: 'Expired' }),
      ]);
      const u = await store.getUpdate(guid(1));
      assert.equal(u?.isExpired, true);
      assert.equal(u?.publicationState, 'Expired');
      assert.ok(u?.expiredAt !== undefined && u.expiredAt >= before);
      const found = await store.queryUpdates({ productId: IDS.defender, isExpired: true });
      assert.deepEqual(idsOf(found.items), [guid(1)]);
    });
  });

  it('lifts only the expiry set with the given reason, never an upstream one', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        ...wellKnownCategories(),
        ...[1, 2, 3].map((n) => update(guid(n), [IDS.defender], [IDS.definitionUpdates])),
        update(guid(4), [IDS.defender], [IDS.definitionUpdates]),
      ]);
      await store.expireUpdates([guid(1), guid(4)], T.feb, 'not offered');
      await store.expireUpdates([guid(2)], T.feb, 'superseded');
      // Withdrawn upstream after the site expired it: the expiry keeps its reason, and must stay.
      await store.putRevisions([
        update(guid(4), [IDS.defender], [IDS.definitionUpdates], { rev: 201, state: 'Expired' }),
      ]);
      assert.equal(await store.unexpireUpdates([guid(1), guid(2), guid(3), guid(4), guid(404)], 'not offered'), 1);
      const u1 = await store.getUpdate(guid(1));
      assert.equal(u1?.isExpired, false);
      assert.equal(u1?.expiredAt, undefined);
      assert.equal((await store.getUpdate(guid(4)))?.isExpired, true, 'the upstream expired it');
      const expired = await store.queryUpdates({ productId: IDS.defender, isExpired: true });
      assert.deepEqual(idsOf(expired.items), [guid(2), guid(4)]);
      assert.deepEqual(idsOf((await store.queryUpdates({ productId: IDS.defender, isExpired: false })).items), [
        guid(1),
        guid(3),
      ]);
      assert.equal(await store.unexpireUpdates([guid(1)], 'not offered'), 0, 'nothing left to lift');
    });
  });

  it('sets and clears the deployed flag, counting real changes', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        ...wellKnownCategories(),
        ...[1, 2].map((n) => update(guid(n), [IDS.defender], [IDS.definitionUpdates])),
      ]);
      assert.equal(await store.setDeployed([guid(1), guid(404)], true), 1);
      assert.equal(await store.setDeployed([guid(1), guid(2)], true), 1);
      assert.equal(await store.setDeployed([guid(2)], false), 1);
      assert.deepEqual(idsOf((await store.queryUpdates({ productId: IDS.defender, isDeployed: true })).items), [
        guid(1),
      ]);
      assert.deepEqual(idsOf((await store.queryUpdates({ isDeployed: false })).items), [guid(2)]);
    });
  });

  it('removes updates expired before the cutoff that are not deployed, with their revisions', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([1, 2, 3, 4].map((n) => makeRevision({ id: guid(n) })));
      await store.expireUpdates([guid(1), guid(2)], T.jan, 'superseded');
      await store.expireUpdates([guid(3)], T.mar, 'superseded');
      await store.setDeployed([guid(1)], true);
      assert.deepEqual(await store.removeExpiredBefore(T.feb), [guid(2)]);
      assert.equal(await store.getUpdate(guid(2)), undefined);
      assert.equal((await store.checkRevisions([{ updateId: guid(2), revisionNumber: 200 }], false)).size, 0);
      assert.deepEqual(idsOf((await store.queryUpdates({})).items), [guid(1), guid(3), guid(4)]);
      assert.deepEqual(await store.removeExpiredBefore(T.feb), []);
    });
  });

  it('recomputes what removed updates caused: inherited classifications and superseded flags', async () => {
    await withStore(factory, async (store) => {
      const leaf = update(guid(10), [IDS.defender], [], { viaClause: false });
      const bundle = makeRevision({
        id: guid(11),
        prerequisites: [clause([IDS.definitionUpdates], false), clause([IDS.defender], false)],
        bundled: [leaf.revision.identity],
        supersedes: [guid(12)],
      });
      await store.putRevisions([...wellKnownCategories(), leaf, bundle, makeRevision({ id: guid(12) })]);
      assert.equal((await store.getUpdate(guid(12)))?.isSuperseded, true);
      await store.expireUpdates([guid(11)], T.jan, 'test');
      assert.deepEqual(await store.removeExpiredBefore(T.feb), [guid(11)]);
      assert.deepEqual((await store.getUpdate(guid(10)))?.classificationIds, []);
      assert.equal((await store.queryUpdates({ classificationId: IDS.definitionUpdates })).total, 0);
      assert.equal((await store.getUpdate(guid(12)))?.isSuperseded, false);
      assert.equal((await store.queryUpdates({ isSuperseded: true })).total, 0);
    });
  });

  it('counts software updates by state: active, superseded, expired, deployed', async () => {
    await withStore(factory, async (store) => {
      assert.deepEqual(await store.countUpdatesByState(), { active: 0, superseded: 0, expired: 0, deployed: 0 });
      await store.putRevisions([
        ...wellKnownCategories(),
        makeRevision({ id: guid(1, 0xde7), type: 'Detectoid' }),
        makeRevision({ id: guid(1) }),
        makeRevision({ id: guid(2) }),
        makeRevision({ id: guid(3), supersedes: [guid(2), guid(5)] }),
        makeRevision({ id: guid(4), type: 'Driver' }),
        makeRevision({ id: guid(5) }),
      ]);
      await store.expireUpdates([guid(4), guid(5)], T.jan, 'superseded');
      await store.setDeployed([guid(1)], true);
      // guid(5) is superseded and expired: it counts as expired only.
      assert.deepEqual(await store.countUpdatesByState(), { active: 2, superseded: 1, expired: 2, deployed: 1 });
      assert.deepEqual(await store.listExpiredUpdateIds(), [guid(4), guid(5)]);
      await store.unexpireUpdates([guid(4)], 'superseded');
      assert.deepEqual(await store.listExpiredUpdateIds(), [guid(5)]);
    });
  });

  it('lists supersedence edges to stored updates not yet expired, with what the rules need', async () => {
    await withStore(factory, async (store) => {
      await store.putRevisions([
        makeRevision({ id: guid(1), feature: true }),
        makeRevision({ id: guid(2) }),
        makeRevision({ id: guid(3), created: T.jan, supersedes: [guid(1), guid(404)] }),
        makeRevision({ id: guid(4), created: T.feb, supersedes: [guid(2)] }),
        makeRevision({ id: guid(5), created: T.mar, supersedes: [guid(4)] }),
        // Withdrawn by Microsoft: no longer replaces anything.
        makeRevision({ id: guid(6), created: T.mar, state: 'Expired', supersedes: [guid(3)] }),
      ]);
      await store.putRevisions([makeRevision({ id: guid(3), rev: 201, created: T.feb, supersedes: [guid(1)] })]);
      await store.expireUpdates([guid(2)], T.apr, 'superseded');
      const edges = await store.listSupersedenceEdges();
      const sorted = [...edges].sort((a, b) => a.supersededId.localeCompare(b.supersededId));
      assert.deepEqual(sorted, [
        { supersededId: guid(1), supersedingId: guid(3), supersedingCreated: T.feb, supersededIsFeature: true },
        { supersededId: guid(4), supersedingId: guid(5), supersedingCreated: T.mar, supersededIsFeature: false },
      ]);
    });
  });
}
