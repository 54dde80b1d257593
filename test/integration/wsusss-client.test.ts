/**
 * The downstream client: against a replay of the real WSUS answers (requests compared with the
 * recorded ones), and against our own server over real HTTP for the cookie lifecycle, batching,
 * re-requests, isolation of refused ids, retries, timeouts, cancellation and HTTPS with an extra CA.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UpdateRevision } from '../../src/catalog/model.ts';
import { isSupsyncError } from '../../src/shared/errors.ts';
import { type FetchedUpdate, WsusssClient } from '../../src/wsusss/client.ts';
import { UpstreamServer } from '../../src/wsusss/server.ts';
import { WsusssFaultError } from '../../src/wsusss/soap/fault.ts';
import { startUpstream, tempDir, type UpstreamFixture } from '../helpers/sites.ts';
import { structureDifferences, xmlStructure } from '../helpers/xml-structure.ts';

const CAPTURES = new URL('../../../shared/fixtures/wsus-captures/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, CAPTURES), 'utf8');
const signal = () => new AbortController().signal;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('client against the recorded real WSUS answers', () => {
  const replies: Record<string, string> = {
    GetAuthConfig: '000001',
    GetAuthorizationCookie: '000002',
    GetCookie: '000003',
    GetConfigData: '000005',
    GetRevisionIdList: '000009',
    GetUpdateData: '000014',
  };
  const sent = new Map<string, string>();
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer(async (req, res) => {
      const op =
        String(req.headers.soapaction ?? '')
          .replace(/^"|"$/g, '')
          .split('/')
          .at(-1) ?? '';
      sent.set(op, await body(req));
      const ex = replies[op];
      if (ex === undefined) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(read(`exchanges/${ex}/response.body`));
    });
    url = await listen(server);
  });
  after(() => server.close());

  it('decodes the real answers and sends requests shaped like the recorded ones', async () => {
    // The recorded cookie expires on 2026-10-04 at 20:33; the client's clock is set to that afternoon.
    const client = new WsusssClient({
      upstreamUrl: url,
      accountName: 'probe.lab.invalid',
      accountGuid: '6f1c2f6e-3f0b-4d3a-9b1e-0d2f6a1c5e12',
      now: () => new Date('2026-10-04T16:33:30Z'),
    });
    const config = await client.getConfigData(undefined, signal());
    assert.equal(config.maxNumberOfUpdatesPerRequest, 100);
    const list = await client.getRevisionIdList(
      {
        getConfig: false,
        categories: [{ id: '8c3fcc84-7410-4a95-8b89-a166a0190486', delta: false }],
        classifications: [{ id: 'e0789628-ce08-4437-be74-2495b842f43b', delta: false }],
      },
      signal(),
    );
    assert.equal(list.newRevisions.length, 30);
    const items: FetchedUpdate[] = [];
    await client.fetchUpdates(
      [{ updateId: '266f6222-c89d-43f2-9f8a-69340271e677', revisionNumber: 200 }],
      100,
      async (b) => void items.push(...b),
      signal(),
    );
    assert.equal(items.length, 1);
    const first = items[0];
    assert.ok(first && 'xml' in first);
    assert.equal(first.xml, read('docs/266f6222-c89d-43f2-9f8a-69340271e677-r200.xml'));
    await client.close();
    const recorded: Record<string, string> = {
      GetAuthConfig: '000001',
      GetAuthorizationCookie: '000002',
      GetCookie: '000003',
      GetRevisionIdList: '000009',
      GetUpdateData: '000014',
    };
    const sameSecrets = (path: string, a: string, e: string) =>
      /CookieData|EncryptedData|Expiration|accountGuid|accountName/.test(path) || a === e;
    for (const [op, ex] of Object.entries(recorded)) {
      const ours = sent.get(op);
      assert.ok(ours, `client sent ${op}`);
      const diffs = structureDifferences(
        xmlStructure(ours),
        xmlStructure(read(`exchanges/${ex}/request.body`)),
        sameSecrets,
      );
      assert.deepEqual(diffs, [], `${op} request structure`);
    }
  });
});

describe('client against our server over real HTTP', () => {
  let upstream: UpstreamFixture;
  const ids = async (n: number) => (await upstream.site.store.listLatestIdentities(false)).slice(0, n);

  before(async () => {
    upstream = await startUpstream(200, 'client');
  });
  after(() => upstream.close());

  /** Our real server behind a small HTTP front that can count, delay or fail requests. */
  async function front(opts: {
    maxUpdatesPerRequest?: number;
    maxReplyBytes?: number;
    now?: () => Date;
    before?: (op: string, n: number) => number | 'hang' | undefined;
  }) {
    let uss = new UpstreamServer({ store: upstream.site.store, secret: Buffer.alloc(32, 7), ...opts });
    const calls: { op: string; body: string }[] = [];
    const server = createServer(async (req, res) => {
      const text = await body(req);
      const op =
        String(req.headers.soapaction ?? '')
          .replace(/^"|"$/g, '')
          .split('/')
          .at(-1) ?? '';
      calls.push({ op, body: text });
      const verdict = opts.before?.(op, calls.filter((c) => c.op === op).length);
      if (verdict === 'hang') return;
      if (typeof verdict === 'number') return res.writeHead(verdict).end('unavailable');
      const reply = await uss.handle(text, 'http://x', req.headers.soapaction as string | undefined);
      res.writeHead(reply.status, { 'content-type': 'text/xml; charset=utf-8' }).end(reply.body);
    });
    const url = await listen(server);
    const rotateSecret = () => {
      uss = new UpstreamServer({ store: upstream.site.store, secret: Buffer.alloc(32, 8), ...opts });
    };
    return { url, calls, rotateSecret, close: () => new Promise((r) => server.close(r)) };
  }

  it('batches GetUpdateData by MaxNumberOfUpdatesPerRequest and re-requests ids a capped reply left out', async () => {
    const f = await front({ maxUpdatesPerRequest: 7, maxReplyBytes: 6_000 });
    const client = new WsusssClient({ upstreamUrl: f.url, concurrency: 3 });
    const want = await ids(60);
    const got: FetchedUpdate[] = [];
    await client.fetchUpdates(want, 7, async (b) => void got.push(...b), signal());
    await client.close();
    await f.close();
    assert.equal(got.filter((g) => 'xml' in g).length, 60);
    const updateCalls = f.calls.filter((c) => c.op === 'GetUpdateData');
    assert.ok(updateCalls.every((c) => (c.body.match(/<UpdateIdentity>/g) ?? []).length <= 7));
    assert.ok(updateCalls.length > Math.ceil(60 / 7), 'capped replies caused re-requests');
  });

  it('isolates an id the upstream refuses (InternalServerError) and returns the rest', async () => {
    const client = new WsusssClient({ upstreamUrl: upstream.url });
    const want = [...(await ids(9)), { updateId: '00000000-0000-0000-0000-000000000001', revisionNumber: 1 }];
    const got: FetchedUpdate[] = [];
    await client.fetchUpdates(want, 100, async (b) => void got.push(...b), signal());
    await client.close();
    const errors = got.filter((g) => 'error' in g);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.id.updateId, '00000000-0000-0000-0000-000000000001');
    assert.equal(got.length, 10);
  });

  it('GetUpdateDecryptionData: each held revision with files, by SHA-1 digest, in the order asked; no keys', async () => {
    const stored = await upstream.site.store.getRevisions(await ids(40));
    const withFiles = stored.filter((s) => s.revision.files.length > 0).slice(0, 3);
    const without = stored.find((s) => s.revision.files.length === 0);
    assert.equal(withFiles.length, 3);
    assert.ok(without, 'the catalog has revisions without files (bundles)');
    const [a, b, c] = withFiles.map((s) => s.revision) as [UpdateRevision, UpdateRevision, UpdateRevision];
    const unknown = { updateId: '00000000-0000-0000-0000-000000000001', revisionNumber: 1 };
    const f = await front({ maxUpdatesPerRequest: 5 });
    const client = new WsusssClient({ upstreamUrl: f.url });
    try {
      const config = await client.getConfigData(undefined, signal());
      assert.equal(config.maxUpdatesPerRequestInGetUpdateDecryptionData, 5);
      const asked = [c.identity, without.revision.identity, a.identity, b.identity, unknown];
      const data = await client.getUpdateDecryptionData(asked, signal());
      assert.deepEqual(
        data.updateFileDecryptionData,
        [c, a, b].map((r) => ({
          updateId: r.identity,
          fileDecryptionData: r.files.map((file) => ({ fileDigest: file.digestSha1 })),
        })),
      );
      await assert.rejects(
        client.getUpdateDecryptionData([...asked, a.identity], signal()),
        (err: unknown) => err instanceof WsusssFaultError && err.wsusssErrorCode === 'InvalidParameters',
      );
    } finally {
      await client.close();
      await f.close();
    }
  });

  it('GetDeployments, for a replica: the built-in groups, no approvals, every expired update hidden', async () => {
    const [expired] = await ids(1);
    assert.ok(expired);
    await upstream.site.store.expireUpdates([expired.updateId], new Date().toISOString(), 'test');
    const client = new WsusssClient({ upstreamUrl: upstream.url });
    try {
      const list = await client.getRevisionIdList({ getConfig: false }, signal());
      const first = await client.getDeployments(undefined, list.anchor ?? '', signal());
      assert.deepEqual(
        first.groups.map((g) => [g.name, g.isBuiltin]),
        [
          ['All Computers', true],
          ['Unassigned Computers', true],
        ],
      );
      assert.deepEqual(first.deployments, []);
      assert.deepEqual(first.deadDeployments, []);
      assert.deepEqual(first.acceptedEulas, []);
      const allExpired = await upstream.site.store.queryUpdates({ isExpired: true, limit: 1000 });
      assert.ok(first.hiddenUpdates.includes(expired.updateId));
      assert.deepEqual(new Set(first.hiddenUpdates), new Set(allExpired.items.map((u) => u.updateId)));
      // The next call passes the anchor it was given.
      const next = await client.getDeployments(first.anchor, list.anchor ?? '', signal());
      assert.deepEqual(next.hiddenUpdates, first.hiddenUpdates);
      const invalid = (field: string) => (err: unknown) =>
        err instanceof WsusssFaultError && err.wsusssErrorCode === 'InvalidParameters' && err.message.includes(field);
      await assert.rejects(client.getDeployments(undefined, '', signal()), invalid('syncAnchor'));
      await assert.rejects(client.getDeployments(undefined, 'garbage', signal()), invalid('syncAnchor'));
      await assert.rejects(client.getDeployments('garbage', list.anchor ?? '', signal()), invalid('deploymentAnchor'));
    } finally {
      await client.close();
    }
  });

  it('refreshes the cookie before it expires and logs in again after InvalidCookie', async () => {
    let clock = Date.parse('2026-11-10T00:00:00Z');
    const f = await front({ now: () => new Date(clock) });
    const client = new WsusssClient({ upstreamUrl: f.url, now: () => new Date(clock) });
    await client.getConfigData(undefined, signal());
    clock += 238 * 60_000; // within 5 minutes of the 240-minute expiry: refresh first
    await client.getConfigData(undefined, signal());
    assert.equal(f.calls.filter((c) => c.op === 'GetCookie').length, 2);
    assert.match(f.calls.filter((c) => c.op === 'GetCookie')[1]?.body ?? '', /<oldCookie>/);
    await client.close();
    await f.close();
    // An upstream that restarted (new cookie secret) answers InvalidCookie: the client logs in again.
    const g = await front({});
    const client2 = new WsusssClient({ upstreamUrl: g.url });
    await client2.getConfigData(undefined, signal());
    g.rotateSecret();
    await client2.getConfigData(undefined, signal());
    assert.equal(g.calls.filter((c) => c.op === 'GetCookie').length, 2);
    assert.equal(g.calls.filter((c) => c.op === 'GetConfigData').length, 3, 'one refused, then retried after login');
    await client2.close();
    await g.close();
  });

  it('retries 5xx answers with backoff, but not 4xx', async () => {
    const f = await front({ before: (op, n) => (op === 'GetConfigData' && n <= 2 ? 503 : undefined) });
    const client = new WsusssClient({ upstreamUrl: f.url, backoffMs: 5 });
    const config = await client.getConfigData(undefined, signal());
    assert.equal(config.maxNumberOfUpdatesPerRequest, 100);
    assert.equal(f.calls.filter((c) => c.op === 'GetConfigData').length, 3);
    await client.close();
    await f.close();
    const g = await front({ before: (op) => (op === 'GetConfigData' ? 404 : undefined) });
    const client2 = new WsusssClient({ upstreamUrl: g.url, backoffMs: 5 });
    await assert.rejects(client2.getConfigData(undefined, signal()), (e) => isSupsyncError(e, 'UPSTREAM_HTTP'));
    assert.equal(g.calls.filter((c) => c.op === 'GetConfigData').length, 1);
    await client2.close();
    await g.close();
  });

  it('times out a silent upstream and honours AbortSignal', async () => {
    const f = await front({ before: (op) => (op === 'GetConfigData' ? 'hang' : undefined) });
    const client = new WsusssClient({ upstreamUrl: f.url, timeoutMs: 300, attempts: 1 });
    await assert.rejects(client.getConfigData(undefined, signal()), (e) => isSupsyncError(e, 'UPSTREAM_TIMEOUT'));
    const ac = new AbortController();
    const pending = client.getConfigData(undefined, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(pending, (e) => isSupsyncError(e, 'ABORTED'));
    await client.close().catch(() => {});
    await f.close();
  });

  it('speaks HTTPS and trusts an extra CA only when configured', async () => {
    const dir = tempDir('supsync-tls-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const uss = new UpstreamServer({ store: upstream.site.store, secret: Buffer.alloc(32, 1) });
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, async (req, res) => {
      const reply = await uss.handle(await body(req), 'https://x', req.headers.soapaction as string | undefined);
      res.writeHead(reply.status, { 'content-type': 'text/xml; charset=utf-8' }).end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const untrusting = new WsusssClient({ upstreamUrl: url, attempts: 1 });
      await assert.rejects(untrusting.getConfigData(undefined, signal()), (e) =>
        isSupsyncError(e, 'UPSTREAM_UNREACHABLE'),
      );
      await untrusting.close();
      const trusting = new WsusssClient({ upstreamUrl: url, caFile: cert });
      assert.equal((await trusting.getConfigData(undefined, signal())).protocolVersion, '1.20');
      await trusting.close();
    } finally {
      server.close();
    }
  });
});
