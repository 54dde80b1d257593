/**
 * An upstream that answers `ServerChanged` (a WSUS that was reinstalled or restored: its anchors
 * no longer mean anything) makes a delta sync discard its anchors and continue as a full sync,
 * recorded as the run's reason — without downloading again what the site already holds.
 *
 * A real supsync upstream sits behind a small HTTP proxy on loopback that forwards every request
 * but one GetRevisionIdList, which it answers with the fault a Windows WSUS sends.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVER_SYNC_PATH, soapAction } from '../../src/wsusss/messages/operations.ts';
import { encodeFault, FAULT_HTTP_STATUS } from '../../src/wsusss/soap/fault.ts';
import {
  type ChildFixture,
  createChild,
  SUBSCRIPTION,
  startUpstream,
  syncOnce,
  type UpstreamFixture,
} from '../helpers/sites.ts';
import { startUpstreamProxy, type UpstreamProxy } from '../helpers/upstream-proxy.ts';

describe('an upstream answering ServerChanged', () => {
  let upstream: UpstreamFixture;
  let proxy: UpstreamProxy;
  let child: ChildFixture;

  before(async () => {
    upstream = await startUpstream(300, 'server-changed');
    proxy = await startUpstreamProxy(upstream.url);
    child = await createChild(proxy.url, SUBSCRIPTION);
  });
  after(async () => {
    await child?.site.close();
    await proxy?.close();
    await upstream?.close();
    for (const dir of [child?.dir, upstream && dirname(upstream.db)])
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a delta discard its anchors and run as full, recorded as the reason, downloading nothing again', async () => {
    const first = await syncOnce(child.site);
    assert.equal(first.state, 'succeeded', first.errorMessage);
    assert.equal(first.kind, 'full');
    assert.ok((first.updates?.downloaded ?? 0) > 0);
    assert.ok(proxy.seen.includes('GetRevisionIdList'), 'the sync went through the proxy');

    const second = await syncOnce(child.site);
    assert.equal(second.state, 'succeeded', second.errorMessage);
    assert.equal(second.kind, 'delta');
    const anchorsBefore = await child.site.store.getSyncState(proxy.url);
    assert.ok(anchorsBefore?.updateAnchor && anchorsBefore.categoryAnchor);
    const stored = (await child.site.store.listLatestIdentities(false)).length;
    const version = await child.site.store.getCatalogVersion();

    let faults = 0;
    proxy.interceptNext('GetRevisionIdList', (res) => {
      faults++;
      res.writeHead(FAULT_HTTP_STATUS, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(
        encodeFault({
          errorCode: 'ServerChanged',
          actor: `${proxy.url}${SERVER_SYNC_PATH}`,
          soapAction: soapAction('GetRevisionIdList'),
        }),
      );
    });
    child.log.lines.length = 0;
    assert.equal((await child.site.engine.plan(false)).kind, 'delta', 'planned as a delta');
    const third = await syncOnce(child.site);
    assert.equal(faults, 1, 'the upstream answered ServerChanged once');
    assert.equal(third.state, 'succeeded', third.errorMessage);
    assert.equal(third.kind, 'full');
    assert.match(third.reason, /ServerChanged/);
    assert.equal(third.reason, 'upstream answered ServerChanged');
    assert.equal(third.updates?.downloaded, 0, 'nothing is downloaded again');
    assert.equal(third.updates?.repaired, 0);
    assert.equal(third.updates?.failed, 0);
    assert.equal(third.updates?.listed, first.updates?.listed, 'the full sync listed everything again');
    assert.equal((await child.site.store.listLatestIdentities(false)).length, stored);
    assert.equal(await child.site.store.getCatalogVersion(), version, 'nothing changed: same catalog version');

    const stored3 = await child.site.store.getRun(third.id);
    assert.equal(stored3?.kind, 'full');
    assert.equal(stored3?.reason, 'upstream answered ServerChanged');

    const lines = child.log.lines;
    const warning = lines.find(
      (l) => l.message === 'upstream answered ServerChanged: discarding anchors and running a full sync',
    );
    assert.equal(warning?.severity, 'warning');
    const order = (text: string) => lines.findIndex((l) => l.message.startsWith(text));
    assert.ok(order('Delta sync: ') < order('upstream answered ServerChanged'), 'it started as a delta');
    assert.ok(
      order('upstream answered ServerChanged') < order('Full sync: upstream answered ServerChanged'),
      'and continued as a full sync',
    );
    assert.ok(lines.some((l) => l.message === 'Sync succeeded. Setting sync alert to canceled state on site CS1'));

    const anchorsAfter = await child.site.store.getSyncState(proxy.url);
    assert.ok(anchorsAfter?.updateAnchor && anchorsAfter.categoryAnchor, 'new anchors are stored');
    const fourth = await syncOnce(child.site);
    assert.equal(fourth.kind, 'delta', 'the next sync is a delta again');
    assert.equal(fourth.state, 'succeeded', fourth.errorMessage);
  });
});
