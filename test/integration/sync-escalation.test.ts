/**
 * Every reason a delta escalates to full triggers a full sync and is recorded with the run;
 * supersedence rules expire what they should.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildHttpServer } from '../../src/app-http.ts';
import { validateCron } from '../../src/site/cron.ts';
import { applySetting } from '../../src/site/settings-validation.ts';
import { requireSettings } from '../../src/store/site-store.ts';
import {
  type ChildFixture,
  createChild,
  GEN_NOW,
  SUBSCRIPTION,
  startUpstream,
  syncOnce,
  type UpstreamFixture,
} from '../helpers/sites.ts';

const DAY = 86_400_000;

describe('escalation from delta to full', () => {
  let upstream: UpstreamFixture;
  let child: ChildFixture;
  let clock = GEN_NOW.getTime() + DAY;
  const now = () => new Date(clock);

  const set = async (key: string, value: string) => {
    const s = await requireSettings(child.site.store);
    await child.site.store.saveSettings(
      applySetting(s, key, value, await child.site.store.listCategories(), validateCron),
    );
  };

  before(async () => {
    upstream = await startUpstream(300, 'escalate');
    child = await createChild(upstream.url, SUBSCRIPTION, { now });
    const first = await syncOnce(child.site);
    assert.equal(first.state, 'succeeded', first.errorMessage);
    const second = await syncOnce(child.site);
    assert.equal(second.kind, 'delta');
  });
  after(async () => {
    await child.site.close();
    await upstream.close();
  });

  const expectFull = async (reason: RegExp) => {
    const plan = await child.site.engine.plan(false);
    assert.equal(plan.kind, 'full');
    assert.match(plan.reason, reason);
    const run = await syncOnce(child.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'full');
    assert.match(run.reason, reason);
    assert.equal((await syncOnce(child.site)).kind, 'delta', 'the escalation is not sticky');
  };

  it('a changed subscription makes the next sync full', async () => {
    await set('classifications', `${SUBSCRIPTION.classifications.join(',')},cd5ffd1e-e932-4e3a-bf74-18bf0b1bbd83`);
    await expectFull(/subscription changed/);
  });

  it('changed supersedence rules make the next sync full', async () => {
    await set('supersedence', 'immediate');
    await expectFull(/supersedence rules changed/);
  });

  it('the full-sync interval makes the next sync full', async () => {
    clock += 8 * DAY;
    await expectFull(/full-sync interval of 7 days/);
  });

  it('an unusable stored anchor makes the sync full', async () => {
    await child.site.store.patchSyncState(upstream.url, { updateAnchor: 'garbage' });
    assert.equal((await child.site.engine.plan(false)).kind, 'delta', 'the plan cannot know the anchor is bad');
    const run = await syncOnce(child.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'full');
    assert.match(run.reason, /stored anchor unusable/);
  });

  it('a changed upstream (default SUP) makes the next sync full', async () => {
    const second = await buildHttpServer({ site: upstream.site });
    const url2 = await second.listen({ host: '127.0.0.1', port: 0 });
    try {
      await set('upstream', url2);
      const plan = await child.site.engine.plan(false);
      assert.equal(plan.kind, 'full');
      assert.match(plan.reason, /upstream changed from http:\/\/127\.0\.0\.1:\d+ to http:\/\/127\.0\.0\.1:\d+/);
      const run = await syncOnce(child.site);
      assert.equal(run.kind, 'full');
      assert.match(run.reason, /upstream changed/);
      assert.equal(run.updates?.downloaded, 0, 'same catalog: nothing to download again');
    } finally {
      await set('upstream', upstream.url);
      await second.close();
    }
  });

  it('immediate supersedence expires every superseded update', async () => {
    await set('supersedence', 'immediate');
    await syncOnce(child.site);
    const superseded = await child.site.store.queryUpdates({ isSuperseded: true, limit: 1000 });
    assert.ok(superseded.total > 0, 'the generated catalog has superseded updates in the subscription');
    assert.ok(
      superseded.items.every((u) => u.isExpired),
      'all superseded updates are expired',
    );
  });
});

describe('supersedence rule "wait N months"', () => {
  it('expires only updates whose superseding update is older than N months', async () => {
    const upstream = await startUpstream(300, 'months');
    let clock = GEN_NOW.getTime();
    const child = await createChild(
      upstream.url,
      {
        ...SUBSCRIPTION,
        supersedence: { nonFeature: { mode: 'months', months: 2 }, feature: { mode: 'months', months: 2 } },
      },
      { now: () => new Date(clock) },
    );
    try {
      const run = await syncOnce(child.site);
      assert.equal(run.state, 'succeeded', run.errorMessage);
      const cutoff = new Date(clock);
      cutoff.setUTCMonth(cutoff.getUTCMonth() - 2);
      const all = await child.site.store.queryUpdates({ isSuperseded: true, limit: 1000 });
      const created = new Map<string, number>();
      for (const u of all.items) {
        for (const s of u.supersededBy) {
          const sup = await child.site.store.getUpdate(s);
          if (sup !== undefined) created.set(s, Date.parse(sup.dateRevised));
        }
      }
      const due = (u: (typeof all.items)[number]) =>
        u.supersededBy.some((s) => (created.get(s) ?? Infinity) <= cutoff.getTime());
      const upstreamExpired = (u: (typeof all.items)[number]) => u.publicationState === 'Expired';
      assert.ok(
        all.items.some((u) => !due(u)),
        'some superseded updates are too recent to expire',
      );
      assert.ok(
        all.items.some((u) => due(u)),
        'some superseded updates are old enough to expire',
      );
      for (const u of all.items) {
        if (upstreamExpired(u)) continue;
        assert.equal(u.isExpired, due(u), `${u.updateId}: expired exactly when its superseding update is 2 months old`);
      }
      // Nothing changed and nothing became due: the rules are not read again, and expire nothing.
      const expiredBefore = (await child.site.store.queryUpdates({ isExpired: true })).total;
      const again = await syncOnce(child.site);
      assert.equal(again.updates?.expired, 0);
      assert.equal((await child.site.store.queryUpdates({ isExpired: true })).total, expiredBefore);
      assert.ok(
        child.log.lines.some((l) => l.message.startsWith('Supersedence rules skipped: no catalog or rule change')),
      );
      clock += 400 * DAY;
      await syncOnce(child.site);
      const later = await child.site.store.queryUpdates({ isSuperseded: true, isExpired: false, limit: 1000 });
      assert.equal(later.total, 0, 'a year later every superseded update is expired');
    } finally {
      await child.site.close();
      await upstream.close();
    }
  });
});
