/**
 * End to end over real HTTP on loopback: a child site syncs from a supsync upstream serving a
 * generated Microsoft Update stand-in. First sync full and equal to the upstream under the
 * subscription; after churn a delta brings exactly the changed set; corruption and deletion are
 * left alone by delta and repaired by full.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { revisionKey } from '../../src/catalog/model.ts';
import { churnStore } from '../../src/catalog-gen/index.ts';
import {
  type ChildFixture,
  createChild,
  latestKeys,
  offeredUnder,
  SUBSCRIPTION,
  startUpstream,
  syncOnce,
  type UpstreamFixture,
} from '../helpers/sites.ts';

describe('sync end to end against the generated upstream', () => {
  let upstream: UpstreamFixture;
  let child: ChildFixture;

  before(async () => {
    upstream = await startUpstream(600, 'e2e');
    child = await createChild(upstream.url, SUBSCRIPTION);
  });
  after(async () => {
    await child.site.close();
    await upstream.close();
  });

  it('first sync is full and the local catalog equals the upstream under the subscription', async () => {
    const run = await syncOnce(child.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'full');
    assert.match(run.reason, /first synchronization/);
    const expected = await offeredUnder(upstream.site.store);
    assert.ok(expected.size > 50, `subscription should select a fair share, got ${expected.size}`);
    assert.deepEqual(await latestKeys(child.site.store), expected);
    assert.equal(run.updates?.downloaded, expected.size);
    assert.equal(await child.site.store.getCatalogVersion(), 1);
    // The milestones of a real wsyncmgr.log, in its order (section 7 of the ConfigMgr reference).
    const milestones = [
      /^Starting Sync$/,
      /^Performing sync on local request$/,
      /^STATMSG: ID=6701 SEV=I /,
      /^STATMSG: ID=6704 SEV=I /,
      /^Synchronizing WSUS server http:\/\/127\.0\.0\.1:\d+ \.\.\.$/,
      /^sync: Starting WSUS synchronization$/,
      /^sync: SMS synchronizing categories, processed \d+ out of \d+ items \(100%\)$/,
      /^sync: SMS synchronizing updates, processed \d+ out of \d+ items \(100%\)$/,
      /^Done synchronizing WSUS Server http:/,
      /^STATMSG: ID=6705 SEV=I /,
      /^Synchronizing SMS database with WSUS server http:.* \.\.\.$/,
      /^Done synchronizing SMS with WSUS Server http:/,
      /^Set content version of update source \{[0-9A-F-]{36}\} for site CS1 to 1$/,
      /^STATMSG: ID=6702 SEV=I /,
      /^Sync succeeded\. Setting sync alert to canceled state on site CS1$/,
      /^Updated \d+ items in SMS database, new update source content version is 1$/,
      /^Sync time: \dd\d\dh\d\dm\d\ds$/,
    ];
    let at = 0;
    for (const line of child.log.lines.map((l) => l.message)) if (milestones[at]?.test(line)) at++;
    assert.equal(at, milestones.length, `wsyncmgr.log lacks, in order: ${milestones[at]}`);
  });

  it('a delta with nothing new downloads nothing and keeps the catalog version', async () => {
    const run = await syncOnce(child.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'delta');
    assert.equal(run.updates?.listed, 0);
    assert.equal(run.updates?.downloaded, 0);
    assert.equal(await child.site.store.getCatalogVersion(), 1);
  });

  it('after churn a delta brings exactly the changed set', async () => {
    const report = await churnStore(upstream.site.store, { days: 40, seed: 'e2e' });
    const changed = [...report.added, ...report.revised, ...report.expired].map(revisionKey);
    assert.ok(changed.length > 0);
    const expected = await offeredUnder(upstream.site.store);
    const expectedDelta = new Set(changed.filter((k) => expected.has(k)));
    assert.ok(expectedDelta.size > 0, 'churn should touch the subscription');
    child.log.lines.length = 0;
    const run = await syncOnce(child.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'delta');
    assert.equal(run.updates?.downloaded, expectedDelta.size);
    const synced = new Set(
      child.log.lines.flatMap((l) => /^Synchronizing update ([0-9a-f-]{36}) - /.exec(l.message)?.[1] ?? []),
    );
    assert.deepEqual(synced, new Set([...expectedDelta].map((k) => k.split(':')[0])));
    assert.deepEqual(await latestKeys(child.site.store), expected);
    assert.equal(await child.site.store.getCatalogVersion(), 2);
  });

  it('delta leaves corrupted and deleted revisions alone; full repairs all of them without re-downloading the rest', async () => {
    const latest = [...(await child.site.store.listLatestIdentities(false))];
    const victims = latest.slice(0, 10);
    const raw = new Database(child.db);
    const corrupt = raw.prepare(
      "UPDATE revisions SET xml = replace(xml, 'UpdateIdentity', 'UpdateIdentitX') WHERE update_id = ? AND revision_number = ?",
    );
    const remove = raw.prepare('DELETE FROM revisions WHERE update_id = ? AND revision_number = ?');
    for (const v of victims.slice(0, 5)) corrupt.run(v.updateId, v.revisionNumber);
    for (const v of victims.slice(5)) remove.run(v.updateId, v.revisionNumber);
    raw.close();

    const state = async () => child.site.store.checkRevisions(victims, true);
    const delta = await syncOnce(child.site);
    assert.equal(delta.kind, 'delta');
    assert.equal(delta.updates?.downloaded, 0);
    assert.equal(delta.updates?.repaired, 0);
    const afterDelta = await state();
    assert.equal([...afterDelta.values()].filter((s) => s === 'damaged').length, 5);
    assert.equal(afterDelta.size, 5, 'the deleted ones stay missing after a delta');

    const full = await syncOnce(child.site, true);
    assert.equal(full.state, 'succeeded', full.errorMessage);
    assert.equal(full.kind, 'full');
    assert.equal(full.reason, 'full synchronization requested');
    assert.equal(full.updates?.repaired, 5);
    assert.equal(full.updates?.downloaded, 10, 'only the damaged and missing revisions are downloaded again');
    const afterFull = await state();
    assert.equal(afterFull.size, 10);
    assert.ok([...afterFull.values()].every((s) => s === 'ok'));
  });
});
