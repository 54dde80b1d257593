/**
 * The site service over real HTTP on loopback: a sync that fails raises the alert (and calls the
 * webhook), the next successful sync cancels it; progress streams as server-sent events while the
 * run is live; the CLI works against the running site with --server/--token and against the
 * database with --db.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/output.ts';
import {
  type ApiFixture,
  apiFixture,
  catalogUpstream,
  holdingUpstream,
  IDS,
  smallCatalog,
  type UpstreamHandle,
} from '../unit/api/api-fixture.ts';

/** An HTTP event stream read one event at a time. */
class EventReader {
  private buffer = '';
  private readonly events: { event: string; data: Record<string, unknown> }[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(body: AsyncIterable<Buffer>) {
    void (async () => {
      for await (const chunk of body) {
        this.buffer += chunk.toString();
        let end = this.buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data !== undefined)
            this.events.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? '', data: JSON.parse(data) });
          end = this.buffer.indexOf('\n\n');
        }
        this.waiting?.();
      }
      this.ended = true;
      this.waiting?.();
    })();
  }

  async next(): Promise<{ event: string; data: Record<string, unknown> } | undefined> {
    while (this.events.length === 0 && !this.ended) await new Promise<void>((r) => (this.waiting = r));
    return this.events.shift();
  }

  async rest(): Promise<{ event: string; data: Record<string, unknown> }[]> {
    const out = [];
    for (let e = await this.next(); e !== undefined; e = await this.next()) out.push(e);
    return out;
  }
}

function captureIo(): Io & { text: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), isTty: false, text: () => out, errors: () => err };
}

describe('the site service over HTTP', () => {
  let held: Awaited<ReturnType<typeof holdingUpstream>>;
  let upstream: UpstreamHandle & { site: ApiFixture['site'] };
  let f: ApiFixture;
  let base: string;
  let hook: Server;
  const hooked: Record<string, unknown>[] = [];

  before(async () => {
    held = await holdingUpstream();
    upstream = await catalogUpstream(smallCatalog(30));
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooked.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    f = await apiFixture({
      settings: {
        upstreamUrl: held.url,
        alertWebhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`,
      },
    });
    base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    held.release();
    await f.close();
    await upstream.close();
    await held.close();
    await new Promise((r) => hook.close(r));
  });

  const http = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, token = f.tokens.admin) => {
    const res = await request(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> & unknown[] };
  };
  const stream = async (runId: unknown) => {
    const res = await request(`${base}/api/v1/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${f.tokens.read}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    return new EventReader(res.body);
  };

  it('a failing sync: the stream shows the live run, then its failure; the alert is raised and the webhook called', async () => {
    const { status, body } = await http('POST', '/api/v1/sync', { full: false }, f.tokens.operator);
    assert.equal(status, 202);
    await held.waitForRequest();
    const events = await stream(body.runId);
    const first = await events.next();
    assert.equal(first?.event, 'run');
    assert.equal(first?.data.state, 'running');
    held.release();
    const rest = await events.rest();
    assert.equal(rest.at(-1)?.event, 'finished');
    assert.equal(rest.at(-1)?.data.state, 'failed');
    const alerts = (await http('GET', '/api/v1/alerts?active=true')).body.items as { state: string }[];
    assert.equal(alerts.length, 1);
    for (let i = 0; i < 100 && hooked.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hooked[0]?.state, 'raised');
    assert.equal(hooked[0]?.kind, 'sync-failure');
    assert.equal(hooked[0]?.siteCode, 'CS1');
  });

  it('the next successful sync streams its phases and progress and cancels the alert', async () => {
    const changed = await http('PATCH', '/api/v1/settings', { upstream: upstream.url });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.nextSync && (changed.body.nextSync as { kind: string }).kind, 'full');
    const { body } = await http('POST', '/api/v1/sync', {}, f.tokens.operator);
    const events = await (await stream(body.runId)).rest();
    const kinds = events.map((e) => e.event);
    assert.ok(kinds.includes('phase'), kinds.join(','));
    const progress = events.filter((e) => e.event === 'progress');
    assert.ok(progress.length > 0, `no progress in ${kinds.join(',')}`);
    for (const p of progress)
      assert.deepEqual(Object.keys(p.data).sort(), ['done', 'etaSeconds', 'phase', 'runId', 'total']);
    const updates = progress.filter((p) => p.data.phase === 'updates').at(-1);
    assert.equal(updates?.data.done, updates?.data.total, 'the last progress of a phase is sent');
    const finished = events.at(-1);
    assert.equal(finished?.event, 'finished');
    assert.equal(finished?.data.state, 'succeeded', JSON.stringify(finished?.data));
    assert.deepEqual((await http('GET', '/api/v1/alerts?active=true')).body.items, []);
    const all = (await http('GET', '/api/v1/alerts')).body.items as { state: string; canceledAt?: string }[];
    assert.equal(all[0]?.state, 'canceled');
    assert.ok(all[0]?.canceledAt);
    for (let i = 0; i < 100 && hooked.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hooked[1]?.state, 'canceled');
    const status = ((await http('GET', '/api/v1/status')).body as unknown as Record<string, unknown>[])[0];
    assert.equal(status?.LastSyncState, 6702);
    assert.equal(status?.LastSyncErrorCode, 0);
    assert.equal(status?.SyncCatalogVersion, 1);
    assert.ok(status?.LastSuccessfulSyncTime);
    const updatesPage = (await http('GET', `/api/v1/updates?productId=${IDS.windows11}&limit=5`)).body;
    assert.equal(updatesPage.total, 15);
    const metrics = await (await request(`${base}/metrics`)).body.text();
    assert.match(metrics, /^supsync_sync_runs_total\{kind="full",result="succeeded"\} 1$/m);
    assert.match(metrics, /^supsync_catalog_version 1$/m);
    assert.match(metrics, /^supsync_last_success_timestamp_seconds [1-9]\d*(\.\d+)?$/m);
  });

  it('the CLI against the running site: status, sync, config, updates, token', async () => {
    const run = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'supsync', ...args], io);
      return { code, out: io.text(), err: io.errors() };
    };
    const remote = ['--server', base, '--token', f.tokens.admin];

    const status = await run('status', ...remote, '--json');
    assert.equal(status.code, 0, status.err);
    assert.equal(JSON.parse(status.out).SyncCatalogVersion, 1);

    const sync = await run('sync', ...remote);
    assert.equal(sync.code, 0, sync.err + sync.out);
    assert.match(sync.out, /^sync #\d+ queued \(delta\) on http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(sync.out, /^sync #\d+ succeeded: delta/m);

    // The sync manager's status messages, as text and as JSON.
    const messages = await run('status', ...remote, '--messages', '3');
    assert.equal(messages.code, 0, messages.err);
    const said = messages.out.slice(messages.out.indexOf('Status messages (SMS_WSUS_SYNC_MANAGER):\n'));
    assert.match(said, /^Status messages \(SMS_WSUS_SYNC_MANAGER\):\n {2}\S+Z {2}I {2}6702 {2}\S.*\n(?: {2}.*\n){2}$/);
    const messagesJson = JSON.parse((await run('status', ...remote, '--messages', '--json')).out);
    assert.equal(messagesJson.StatusMessages[0].messageId, 6702);
    assert.ok(messagesJson.StatusMessages.some((m: { messageId: number }) => m.messageId === 6701));
    const log = await run('log', ...remote, '--lines', '2');
    assert.equal(log.code, 0, log.err);
    assert.match(log.out, /^\S+Z {2}I {2}.*\n\S+Z {2}I {2}Sync time: 0d\d\dh\d\dm\d\ds\n$/);
    const badCount = await run('status', ...remote, '--messages', 'all');
    assert.equal(badCount.code, 2);
    assert.match(badCount.err, /^error INPUT_INVALID: --messages must be a whole number from 1 to 1000/);

    const noWait = await run('sync', ...remote, '--no-wait', '--full', '--json');
    assert.equal(noWait.code, 0, noWait.err);
    assert.equal(JSON.parse(noWait.out).kind, 'full');
    await f.site.coordinator.whenIdle();

    const set = await run('config', 'set', ...remote, 'schedule', 'weekly:sunday:04:00');
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /^schedule = weekly:sunday:04:00\nnext sync: delta/);
    const get = await run('config', 'get', ...remote, 'schedule');
    assert.equal(get.out, 'schedule = weekly:sunday:04:00\n');
    const badKey = await run('config', 'set', ...remote, 'colour', 'blue');
    assert.equal(badKey.code, 2);
    assert.match(badKey.err, /^error INPUT_INVALID: body: unknown field "colour"/);

    const list = await run(
      'updates',
      'list',
      ...remote,
      '--product',
      IDS.windows11,
      '--superseded',
      'false',
      '--limit',
      '3',
      '--json',
    );
    assert.equal(list.code, 0, list.err);
    const page = JSON.parse(list.out);
    assert.equal(page.items.length, 3);
    assert.ok(page.items.every((u: { IsSuperseded: boolean }) => !u.IsSuperseded));
    // A product named by its exact title, as `config set products` takes it, is the same filter.
    const byTitle = await run(
      'updates',
      'list',
      ...remote,
      '--product',
      'Windows 11',
      '--superseded',
      'false',
      '--limit',
      '3',
      '--json',
    );
    assert.deepEqual(JSON.parse(byTitle.out), page);
    const nearTitle = await run('updates', 'list', ...remote, '--product', 'windows 11');
    assert.equal(nearTitle.code, 2);
    assert.match(
      nearTitle.err,
      /^error INPUT_INVALID: --product: no product "windows 11" on this site .*did you mean "Windows 11"/,
    );
    const table = await run('updates', 'list', ...remote, '--kb', 'KB5000002');
    assert.match(table.out, /^5000002 {4}Moderate {2}---- {2}2026-01-03 Security Update for Windows 11 3$/m);
    assert.match(table.out, /^1-1 of 1 updates/m);

    // One update as GET /updates/{id} answers it, and marking it deployed through the API.
    const one = page.items[0].CI_UniqueID;
    const shown = await run('updates', 'show', ...remote, one, '--json');
    assert.equal(shown.code, 0, shown.err);
    const byApi = await fetch(`${base}/api/v1/updates/${one}`, {
      headers: { authorization: `Bearer ${f.tokens.admin}` },
    });
    assert.deepEqual(JSON.parse(shown.out), await byApi.json());
    const deployed = await run('updates', 'deployed', ...remote, one);
    assert.equal(deployed.out, '1 of 1 update(s) marked deployed\n');
    assert.equal((await f.site.store.getUpdate(one))?.isDeployed, true);
    const asReader = await run('updates', 'deployed', '--server', base, '--token', f.tokens.read, one, '--not');
    assert.equal(asReader.code, 2);
    assert.match(asReader.err, /^error AUTH_FORBIDDEN: /);

    // The alerts and the audit trail, as GET /alerts and GET /audit answer them.
    const asAdmin = async (path: string) =>
      (await (
        await fetch(`${base}/api/v1/${path}`, { headers: { authorization: `Bearer ${f.tokens.admin}` } })
      ).json()) as { items: unknown[] };
    assert.deepEqual(JSON.parse((await run('alerts', ...remote, '--json')).out), (await asAdmin('alerts')).items);
    const audit = await run('audit', ...remote, '--limit', '3', '--json');
    assert.equal(audit.code, 0, audit.err);
    assert.deepEqual(JSON.parse(audit.out), (await asAdmin('audit?limit=3')).items);
    const auditText = await run('audit', ...remote, '--limit', '1');
    assert.match(
      auditText.out,
      /^\S+Z {2}admin-token {2}updates\.deployed {2}\{"updateIds":\["[0-9a-f-]{36}"\],"deployed":true,"changed":1\}\n$/,
    );
    const auditAsReader = await run('audit', '--server', base, '--token', f.tokens.read);
    assert.equal(auditAsReader.code, 2);
    assert.match(auditAsReader.err, /^error AUTH_FORBIDDEN: /);

    // The sites below it, as GET /hierarchy lists them: none here.
    const children = await run('children', 'list', ...remote);
    assert.equal(children.code, 0, children.err);
    assert.equal(children.out, 'no child sites\n');
    assert.deepEqual(JSON.parse((await run('children', 'list', ...remote, '--json')).out), []);

    // The same categories as GET /categories, with what the site's subscription selects.
    const categories = await run('categories', 'list', ...remote, '--type', 'Product', '--json');
    assert.equal(categories.code, 0, categories.err);
    const api = await fetch(`${base}/api/v1/categories?type=Product`, {
      headers: { authorization: `Bearer ${f.tokens.admin}` },
    });
    assert.deepEqual(JSON.parse(categories.out), await api.json());
    const products = await run('categories', 'list', ...remote, '--subscribed', '--type', 'Product');
    assert.match(products.out, /^\[x\] Windows 11 {2}72e7624a-5b00-45d2-b92f-e561c0a6a160\n/m);

    const token = await run('token', 'create', ...remote, '--role', 'read', '--name', 'grafana');
    assert.equal(token.code, 0, token.err);
    const created = token.out.trim();
    assert.match(created, /^sup_/);
    const asRead = await run('status', '--server', base, '--token', created, '--json');
    assert.equal(asRead.code, 0);
    const forbidden = await run('sync', '--server', base, '--token', created);
    assert.equal(forbidden.code, 2);
    assert.match(forbidden.err, /^error AUTH_FORBIDDEN: /);
    const anonymous = await run('status', '--server', base, '--token', 'sup_wrong');
    assert.match(anonymous.err, /^error AUTH_REQUIRED: /);
    const down = await run('status', '--server', 'http://127.0.0.1:9', '--token', created);
    assert.equal(down.code, 1);
    assert.match(down.err, /^error SERVER_UNREACHABLE: /);
  });

  it('the CLI against the database: token create and updates list with --db', async () => {
    const run = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'supsync', ...args], io);
      return { code, out: io.text(), err: io.errors() };
    };
    const token = await run('token', 'create', '--db', f.db, '--role', 'operator', '--name', 'ci-pipeline');
    assert.equal(token.code, 0, token.err);
    assert.match(token.err, /shown once/);
    const plaintext = token.out.trim();
    assert.equal((await http('GET', '/api/v1/status', undefined, plaintext)).status, 200);
    const list = await run('updates', 'list', '--db', f.db, '--severity', 'critical', '--json');
    assert.equal(list.code, 0, list.err);
    assert.equal(JSON.parse(list.out).total, 8);
    const bySecurity = await run('updates', 'list', '--db', f.db, '--classification', 'Security Updates', '--json');
    const byGuid = await run('updates', 'list', '--db', f.db, '--classification', IDS.securityUpdates, '--json');
    assert.equal(bySecurity.code, 0, bySecurity.err);
    assert.ok(JSON.parse(bySecurity.out).total > 0);
    assert.deepEqual(JSON.parse(bySecurity.out), JSON.parse(byGuid.out));
    const unknown = await run('updates', 'list', '--db', f.db, '--classification', 'Nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^error INPUT_INVALID: --classification: no classification "Nope" on this site/);
    const bad = await run('updates', 'list', '--db', f.db, '--superseded', 'maybe');
    assert.equal(bad.code, 2);
    const localCancel = await run('sync', '--db', f.db, '--cancel');
    assert.equal(localCancel.code, 2);
    assert.match(localCancel.err, /^error INPUT_INVALID: --cancel stops a sync of a running site \(--server\)/);
    const neither = await run('updates', 'list');
    assert.match(neither.err, /^error INPUT_INVALID: --db <path>/);
    const tokens = await run('token', 'list', '--db', f.db);
    assert.match(tokens.out, /operator +ci-pipeline/);
  });
});

describe('graceful shutdown with a live event stream', () => {
  it('closing the server ends open streams instead of waiting for the sync', async () => {
    const held = await holdingUpstream();
    const f = await apiFixture({ settings: { upstreamUrl: held.url } });
    try {
      const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
      const { runId } = (await f.call('POST', '/api/v1/sync')).json();
      await held.waitForRequest();
      const res = await request(`${base}/api/v1/runs/${runId}/events`, {
        headers: { authorization: `Bearer ${f.tokens.read}` },
      });
      const events = new EventReader(res.body);
      assert.equal((await events.next())?.event, 'run');
      const head = await request(`${base}/api/v1/runs/${runId}/events`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${f.tokens.read}` },
      });
      assert.equal(head.statusCode, 404, 'no HEAD route that would hold a stream open');
      await head.body.dump();
      const started = Date.now();
      await f.app.close();
      assert.deepEqual(await events.rest(), []);
      assert.ok(Date.now() - started < 2000, 'close did not wait for the running sync');
    } finally {
      held.release();
      await f.close();
      await held.close();
    }
  });
});
