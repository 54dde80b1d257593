/**
 * An upstream that answers `ServerChanged` (a WSUS that was reinstalled or restored: its anchors
 * no longer mean anything) makes a delta sync discard its anchors and continue as a full sync,
 * recorded as the run's reason — without downloading again what the site already holds.
 *
 * A real supsync upstream sits behind a small HTTP proxy on loopback that forwards every request
 * and, when armed, answers one GetRevisionIdList with the fault a Windows WSUS sends.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
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

interface FaultingProxy {
  readonly url: string;
  /** Answer the next GetRevisionIdList with a ServerChanged fault (once). */
  arm(): void;
  /** SOAPActions seen, in order (the operation names). */
  readonly seen: string[];
  /** How many faults were sent. */
  faults: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Forwards to `target`; when armed, answers one GetRevisionIdList with ServerChanged. */
async function startFaultingProxy(target: string): Promise<FaultingProxy> {
  let armed = false;
  const proxy: FaultingProxy = {
    url: '',
    seen: [],
    faults: 0,
    arm: () => {
      armed = true;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action = String(req.headers.soapaction ?? '').replaceAll('"', '');
      const operation = action.slice(action.lastIndexOf('/') + 1);
      proxy.seen.push(operation);
      if (armed && operation === 'GetRevisionIdList') {
        armed = false;
        proxy.faults++;
        res.writeHead(FAULT_HTTP_STATUS, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(
          encodeFault({
            errorCode: 'ServerChanged',
            actor: `${proxy.url}${SERVER_SYNC_PATH}`,
            soapAction: soapAction('GetRevisionIdList'),
          }),
        );
        return;
      }
      const upstream = await request(`${target}${req.url ?? '/'}`, {
        method: (req.method ?? 'GET') as 'POST',
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'text/xml; charset=utf-8'),
          ...(req.headers.soapaction === undefined ? {} : { soapaction: String(req.headers.soapaction) }),
        },
        body,
      });
      const answer = Buffer.from(await upstream.body.arrayBuffer());
      res.writeHead(upstream.statusCode, {
        'content-type': String(upstream.headers['content-type'] ?? 'text/xml; charset=utf-8'),
      });
      res.end(answer);
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (proxy as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

describe('an upstream answering ServerChanged', () => {
  let upstream: UpstreamFixture;
  let proxy: FaultingProxy;
  let child: ChildFixture;

  before(async () => {
    upstream = await startUpstream(300, 'server-changed');
    proxy = await startFaultingProxy(upstream.url);
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

    proxy.arm();
    child.log.lines.length = 0;
    assert.equal((await child.site.engine.plan(false)).kind, 'delta', 'planned as a delta');
    const third = await syncOnce(child.site);
    assert.equal(proxy.faults, 1, 'the upstream answered ServerChanged once');
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
