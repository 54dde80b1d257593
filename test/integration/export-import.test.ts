/**
 * A disconnected site (upstream "none") kept current by export packages, as ConfigMgr admins do
 * with WSUSUtil export/import: a connected site syncs over real HTTP from the generated upstream
 * and exports; the disconnected site imports with a full sync's semantics — its catalog equals
 * what the upstream offers under its own subscription, a second import downloads nothing, churn
 * arrives with the next package, and a package changed after it was checked fails the run cleanly.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { contentHash, revisionKey } from '../../src/catalog/model.ts';
import { churnStore } from '../../src/catalog-gen/index.ts';
import { isSupsyncError } from '../../src/shared/errors.ts';
import type { SiteStore } from '../../src/store/site-store.ts';
import {
  type CheckedPackage,
  checkExportPackage,
  exportPackageSource,
  writeExportPackage,
} from '../../src/sync/export-package.ts';
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

/** Every stored document of the latest revisions, by revision key, as its hash. */
async function documents(store: SiteStore): Promise<Map<string, string>> {
  const ids = [...(await store.listLatestIdentities(false)), ...(await store.listLatestIdentities(true))];
  const out = new Map<string, string>();
  for (const s of await store.getRevisions(ids)) out.set(revisionKey(s.revision.identity), contentHash(s.xml));
  return out;
}

/** Imports a checked package (as `supsync import` does after its check). */
async function importChecked(site: ChildFixture['site'], pkg: CheckedPackage, reason: string) {
  const ticket = await site.coordinator.request({
    full: true,
    trigger: 'import',
    from: { source: exportPackageSource(pkg), reason },
  });
  return ticket.finished;
}

async function importPackage(site: ChildFixture['site'], path: string) {
  return importChecked(site, await checkExportPackage(path), `import of export package ${path}`);
}

/** Windows 11 only, security updates only: narrower than what the connected site exports. */
const NARROW = {
  products: [SUBSCRIPTION.products[0] as string],
  classifications: [SUBSCRIPTION.classifications[0] as string],
};

describe('export packages for disconnected sites', () => {
  let upstream: UpstreamFixture;
  let connected: ChildFixture;
  let disconnected: ChildFixture;
  let narrow: ChildFixture;
  let packagePath: string;
  /** What the first package holds. */
  let firstExport: Set<string>;

  before(async () => {
    upstream = await startUpstream(500, 'export');
    connected = await createChild(upstream.url, SUBSCRIPTION);
    disconnected = await createChild('none', SUBSCRIPTION);
    narrow = await createChild('none', NARROW);
    const first = await syncOnce(connected.site);
    assert.equal(first.state, 'succeeded', first.errorMessage);
    packagePath = join(connected.dir, 'export-1.gz');
  });
  after(async () => {
    for (const s of [narrow, disconnected, connected]) await s.site.close();
    await upstream.close();
  });

  it('the export holds the connected site catalog, and the import makes the disconnected site equal to it', async () => {
    const summary = await writeExportPackage(connected.site.store, packagePath);
    const connectedLatest = await latestKeys(connected.site.store);
    firstExport = connectedLatest;
    assert.equal(summary.updates, connectedLatest.size);
    assert.equal(summary.header.siteCode, 'CS1');

    const run = await importPackage(disconnected.site, packagePath);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.kind, 'full');
    assert.equal(run.trigger, 'import');
    assert.match(run.reason, /^import of export package /);
    assert.equal(run.updates?.downloaded, connectedLatest.size);
    assert.deepEqual(await latestKeys(disconnected.site.store), connectedLatest);
    assert.deepEqual(await documents(disconnected.site.store), await documents(connected.site.store));
    assert.deepEqual(await latestKeys(disconnected.site.store), await offeredUnder(upstream.site.store));
    const lines = disconnected.log.lines.map((l) => l.message);
    assert.ok(lines.includes('Performing sync on import of an export package'));
    assert.ok(lines.some((l) => /^Sync succeeded\. Setting sync alert to canceled state on site CS1$/.test(l)));
  });

  it('a site with a narrower subscription takes only what it subscribes to', async () => {
    const run = await importPackage(narrow.site, packagePath);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    const expected = await offeredUnder(upstream.site.store, NARROW);
    assert.ok(expected.size > 0 && expected.size < (await latestKeys(disconnected.site.store)).size);
    assert.deepEqual(await latestKeys(narrow.site.store), expected);
  });

  it('importing the same package again downloads nothing and keeps the catalog version', async () => {
    const version = await disconnected.site.store.getCatalogVersion();
    const run = await importPackage(disconnected.site, packagePath);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.updates?.downloaded, 0);
    assert.equal(run.categories?.downloaded, 0);
    assert.equal(await disconnected.site.store.getCatalogVersion(), version);
  });

  it('the next package brings the churn, and what the upstream withdrew is expired as a full sync does', async () => {
    await churnStore(upstream.site.store, { days: 40, seed: 'export' });
    const delta = await syncOnce(connected.site);
    assert.equal(delta.state, 'succeeded', delta.errorMessage);
    assert.ok((delta.updates?.downloaded ?? 0) > 0, 'churn should touch the subscription');
    const second = join(connected.dir, 'export-2.gz');
    await writeExportPackage(connected.site.store, second);
    const before = await latestKeys(disconnected.site.store);

    const run = await importPackage(disconnected.site, second);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    const after = await latestKeys(disconnected.site.store);
    assert.deepEqual(after, await latestKeys(connected.site.store));
    assert.equal(run.updates?.downloaded, [...after].filter((k) => !before.has(k)).length);
    const expiredHere = (await disconnected.site.store.countUpdatesByState()).expired;
    const expiredThere = (await connected.site.store.countUpdatesByState()).expired;
    assert.equal(expiredHere, expiredThere);
  });

  it('a package changed after its check fails the run without a half-written catalog; the good package then completes', async () => {
    const fresh = await createChild('none', SUBSCRIPTION);
    try {
      const path = join(fresh.dir, 'changing.gz');
      writeFileSync(path, readFileSync(packagePath));
      const pkg = await checkExportPackage(path);
      // Swap the file for one whose documents no longer match: every fetch must notice.
      const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
      const edited = lines.map((l) => l.replace('UpdateIdentity', 'UpdateIdentitX'));
      writeFileSync(path, gzipSync(edited.join('\n')));
      const failed = await importChecked(fresh.site, pkg, 'import of a package that changes');
      assert.equal(failed.state, 'failed');
      assert.equal(failed.errorCode, 'EXPORT_PACKAGE_INVALID');
      assert.equal((await fresh.site.store.listLatestIdentities(false)).length, 0);

      writeFileSync(path, readFileSync(packagePath));
      const run = await importPackage(fresh.site, path);
      assert.equal(run.state, 'succeeded', run.errorMessage);
      assert.deepEqual(await latestKeys(fresh.site.store), firstExport);
    } finally {
      await fresh.site.close();
    }
  });

  it('a connected site refuses an import: its sync state belongs to its upstream', async () => {
    const pkg = await checkExportPackage(packagePath);
    const runsBefore = (await connected.site.store.listRuns(50)).length;
    await assert.rejects(importChecked(connected.site, pkg, 'import into a connected site'), (err: unknown) => {
      assert.ok(isSupsyncError(err, 'CONFIG_INVALID'), String(err));
      assert.match(err.message, /only a disconnected site imports/);
      return true;
    });
    assert.equal((await connected.site.store.listRuns(50)).length, runsBefore, 'no run is recorded');
    const next = await syncOnce(connected.site);
    assert.equal(next.state, 'succeeded', next.errorMessage);
    assert.equal(next.kind, 'delta', 'the anchors of the next delta are untouched');
  });
});
