/**
 * A hierarchy over real HTTP on loopback: the top site syncs from the generated upstream, then
 * notifies its children, which sync from it (ConfigMgr's parent sync request). A child that cannot
 * be reached or refuses the token is recorded and does not fail the parent; a failed parent sync
 * notifies nobody; the parent shows the sync status of every SUP below it, never a child's token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../src/api/auth.ts';
import { buildHttpServer } from '../../src/app-http.ts';
import type { SyncRunRecord } from '../../src/store/site-store.ts';
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

/** Waits until `probe` returns a value (polling: the work happens in another site's process-like service). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function served(fixture: ChildFixture): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildHttpServer({ site: fixture.site });
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

describe('a hierarchy: the parent notifies its children after each successful sync', () => {
  let upstream: UpstreamFixture;
  let parent: ChildFixture;
  let child: ChildFixture;
  let parentHttp: { app: FastifyInstance; url: string };
  let childHttp: { app: FastifyInstance; url: string };
  let readToken: string;
  let childToken: string;
  let childRun: SyncRunRecord;
  let upstreamClosed = false;

  before(async () => {
    upstream = await startUpstream(400, 'hierarchy');
    parent = await createChild(upstream.url, { ...SUBSCRIPTION, siteCode: 'CS1' });
    parentHttp = await served(parent);
    child = await createChild(parentHttp.url, { ...SUBSCRIPTION, siteCode: 'PS1' });
    childHttp = await served(child);
    childToken = (await createApiToken(child.site.store, 'parent CS1', 'operator', () => new Date())).token;
    readToken = (await createApiToken(parent.site.store, 'console', 'read', () => new Date())).token;
    const addedAt = new Date().toISOString();
    await parent.site.store.putChildSite({ siteCode: 'PS1', url: childHttp.url, token: childToken, addedAt });
    // A child whose token was revoked, and one that is gone.
    await parent.site.store.putChildSite({
      siteCode: 'PS2',
      url: childHttp.url,
      token: `sup_${'x'.repeat(43)}`,
      addedAt,
    });
    await parent.site.store.putChildSite({ siteCode: 'PS3', url: 'http://127.0.0.1:9', token: childToken, addedAt });
  });
  after(async () => {
    await childHttp.app.close();
    await child.site.close();
    await parentHttp.app.close();
    await parent.site.close();
    if (!upstreamClosed) await upstream.close();
  });

  it('the parent syncs, notifies every child, and the reachable child syncs from it with trigger parent', async () => {
    // The parent has counted 33 catalog versions before; its child has counted none.
    await parent.site.store.setCatalogVersion(33);
    const run = await syncOnce(parent.site);
    assert.equal(run.catalogVersion, 34);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    childRun = await eventually(async () => {
      const r = (await child.site.store.listRuns(5)).find((x) => x.trigger === 'parent');
      return r !== undefined && (r.state === 'succeeded' || r.state === 'failed') ? r : undefined;
    }, 'the child sync');
    assert.equal(childRun.state, 'succeeded', childRun.errorMessage);
    assert.equal(childRun.kind, 'full');
    assert.equal(childRun.requestedBy, 'parent CS1 (parent site CS1)');
    assert.equal(childRun.upstreamUrl, parentHttp.url);
    assert.deepEqual(await latestKeys(child.site.store), await latestKeys(parent.site.store));
    assert.deepEqual(await latestKeys(child.site.store), await offeredUnder(upstream.site.store));
    assert.ok(child.log.lines.some((l) => l.message === 'Performing sync on parent request'));
    assert.ok(child.log.lines.some((l) => l.message === 'Successfully synced site with parent CS1, version 34'));
  });

  it("the child takes its parent's catalog version as its own", async () => {
    assert.equal(childRun.catalogVersion, 34);
    assert.equal(await child.site.store.getCatalogVersion(), 34);
    assert.ok(
      child.log.lines.some((l) => /^Set content version of update source \{.*\} for site PS1 to 34$/.test(l.message)),
    );
  });

  it('what came of each notification is logged and recorded at the parent', async () => {
    const records = await eventually(async () => {
      const list = await parent.site.store.listChildSites();
      return list.every((c) => c.notifyResult !== undefined) ? list : undefined;
    }, 'all notifications');
    const result = Object.fromEntries(records.map((c) => [c.siteCode, c.notifyResult]));
    assert.equal(result.PS1, `accepted: run ${childRun.id}`);
    assert.match(result.PS2 ?? '', /^refused: HTTP 401 AUTH_REQUIRED: /);
    assert.match(result.PS3 ?? '', /^unreachable: /);
    const lines = parent.log.lines.map((l) => l.message);
    assert.ok(
      lines.includes('Sending sync notification to child site(s): PS1, PS2, PS3 (catalog version 34)'),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^Child site PS2 \(.*\) refused the sync notification: HTTP 401 AUTH_REQUIRED/.test(l)),
    );
    assert.ok(lines.some((l) => l.startsWith('Could not notify child site PS3 (http://127.0.0.1:9): ')));
  });

  it('GET /hierarchy shows the status of every SUP below the parent, and no token', async () => {
    const res = await fetch(`${parentHttp.url}/api/v1/hierarchy`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(text.includes(childToken), false, 'a child token never leaves the parent');
    const body = JSON.parse(text) as {
      site: { SiteCode: string; LastSyncState: number };
      children: {
        siteCode: string;
        status: { SiteCode: string; LastSyncState: number; SyncCatalogVersion: number } | null;
        statusError: string | null;
      }[];
    };
    assert.equal(body.site.SiteCode, 'CS1');
    assert.equal(body.site.LastSyncState, 6702);
    const [ps1, ps2, ps3] = body.children;
    assert.equal(ps1?.status?.SiteCode, 'PS1');
    assert.equal(ps1?.status?.LastSyncState, 6702);
    assert.equal(ps1?.status?.SyncCatalogVersion, 34);
    assert.equal(ps2?.status, null);
    assert.match(ps2?.statusError ?? '', /^HTTP 401 AUTH_REQUIRED/);
    assert.match(ps3?.statusError ?? '', /^unreachable: /);
    const anonymous = await fetch(`${parentHttp.url}/api/v1/hierarchy`);
    assert.equal(anonymous.status, 401);
  });

  it("the view reaches every level: the top site sees its child and the child's children, to the depth asked", async () => {
    // The upstream becomes the top of a three-level hierarchy: upstream -> CS1 -> PS1, PS2, PS3.
    const parentToken = (await createApiToken(parent.site.store, 'top site', 'operator', () => new Date())).token;
    const topToken = (await createApiToken(upstream.site.store, 'console', 'read', () => new Date())).token;
    await upstream.site.store.putChildSite({
      siteCode: 'CS1',
      url: parentHttp.url,
      token: parentToken,
      addedAt: new Date().toISOString(),
    });
    type Node = { siteCode: string; status: { SiteCode: string } | null; children: Node[] };
    const view = async (query: string) => {
      const res = await fetch(`${upstream.url}/api/v1/hierarchy${query}`, {
        headers: { authorization: `Bearer ${topToken}` },
      });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.equal(text.includes(parentToken) || text.includes(childToken), false);
      return JSON.parse(text) as { children: Node[] };
    };
    const [cs1] = (await view('')).children;
    assert.equal(cs1?.status?.SiteCode, 'CS1');
    assert.deepEqual(
      cs1?.children.map((c) => [c.siteCode, c.status?.SiteCode ?? null]),
      [
        ['PS1', 'PS1'],
        ['PS2', null],
        ['PS3', null],
      ],
    );
    assert.deepEqual(cs1?.children[0]?.children, [], 'PS1 has no children');
    assert.deepEqual((await view('?depth=1')).children[0]?.children, [], 'one level only');
    assert.deepEqual((await view('?depth=0')).children, []);
  });

  it('a sync that changed nothing notifies nobody, so sites named in a loop stop', async () => {
    const before = await parent.site.store.listChildSites();
    const run = await syncOnce(parent.site);
    assert.equal(run.state, 'succeeded', run.errorMessage);
    assert.equal(run.updates?.downloaded, 0);
    await parent.site.childNotificationsSettled();
    assert.deepEqual(await parent.site.store.listChildSites(), before);
    assert.ok(
      parent.log.lines.some((l) => l.message === 'No catalog changes in this sync; child sites are not notified'),
    );
  });

  it("a parent's version moves a child that changed nothing forward, never back", async () => {
    const notify = async (parentCatalogVersion: number) => {
      const res = await fetch(`${childHttp.url}/api/v1/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${childToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ full: false, parent: 'CS1', parentCatalogVersion }),
      });
      assert.equal(res.status, 202);
      const { runId } = (await res.json()) as { runId: number };
      return eventually(async () => {
        const r = await child.site.store.getRun(runId);
        return r?.state === 'succeeded' || r?.state === 'failed' ? r : undefined;
      }, `child run ${runId}`);
    };
    const behind = await notify(40);
    assert.equal(behind.state, 'succeeded', behind.errorMessage);
    assert.equal(behind.updates?.downloaded, 0);
    assert.equal(await child.site.store.getCatalogVersion(), 40);
    // A child that counted past its parent (syncs of its own) keeps its number.
    await child.site.store.setCatalogVersion(50);
    const ahead = await notify(41);
    assert.equal(ahead.state, 'succeeded', ahead.errorMessage);
    assert.equal(ahead.catalogVersion, 50);
    assert.equal(await child.site.store.getCatalogVersion(), 50);
  });

  it('a child refuses a parent request whose site code is malformed', async () => {
    const res = await fetch(`${childHttp.url}/api/v1/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${childToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: false, parent: 'CS1; DROP' }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'INPUT_INVALID');
  });

  it('a failed parent sync notifies nobody', async () => {
    const before = await parent.site.store.listChildSites();
    const parentRuns = async () => (await child.site.store.listRuns(20)).filter((r) => r.trigger === 'parent').length;
    const childRunsBefore = await parentRuns();
    await upstream.close();
    upstreamClosed = true;
    const run = await syncOnce(parent.site);
    assert.equal(run.state, 'failed');
    await parent.site.childNotificationsSettled();
    assert.deepEqual(await parent.site.store.listChildSites(), before);
    assert.equal(await parentRuns(), childRunsBefore);
  });
});
