/**
 * Auth over every route the app really has: the table comes from the OpenAPI document (which lists
 * each route with its `x-supsync-role`), so a route added later is covered without touching this
 * file. Also: tokens are stored hashed, roles are ordered, the audit names the actor.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createApiToken, hashToken, roleAllows } from '../../../src/api/auth.ts';
import { type ApiFixture, apiFixture } from './api-fixture.ts';

interface DocRoute {
  readonly method: string;
  readonly path: string;
  readonly role: string;
}

const ORDER = ['read', 'operator', 'admin'];
const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

function routesOf(doc: { paths: Record<string, Record<string, { 'x-supsync-role'?: string }>> }): DocRoute[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      role: op['x-supsync-role'] ?? 'missing',
    })),
  );
}

/** A concrete URL for a documented path (any value of the right shape; auth runs before lookup). */
function concrete(path: string): string {
  return path.replace('{id}', path.startsWith('/api/v1/updates') ? '00000abc-0000-4000-8000-000000000001' : '1');
}

describe('API auth', () => {
  let f: ApiFixture;
  let routes: DocRoute[];

  before(async () => {
    f = await apiFixture();
    await f.app.ready();
    routes = routesOf(f.app.swagger() as unknown as Parameters<typeof routesOf>[0]);
  });
  after(() => f.close());

  it('the document lists every API route with a role, and every route that changes something needs operator or admin', () => {
    assert.ok(routes.length >= 17, `only ${routes.length} routes documented`);
    for (const r of routes) {
      assert.ok(['open', ...ORDER].includes(r.role), `${r.method} ${r.path} has role ${r.role}`);
      if (r.path.startsWith('/api/v1/')) assert.notEqual(r.role, 'open', `${r.method} ${r.path} is open`);
      if (MUTATING.has(r.method))
        assert.ok(r.role === 'operator' || r.role === 'admin', `${r.method} ${r.path} mutates with role ${r.role}`);
    }
    assert.deepEqual(
      routes.filter((r) => r.role === 'open').map((r) => `${r.method} ${r.path}`),
      ['GET /health', 'GET /metrics'],
    );
  });

  it('every protected route answers 401 AUTH_REQUIRED without a token, with a malformed header and with an unknown token', async () => {
    for (const r of routes.filter((x) => x.role !== 'open')) {
      const url = concrete(r.path);
      for (const headers of [
        {},
        { authorization: 'Basic abc' },
        { authorization: 'Bearer sup_not-a-real-token' },
        { authorization: 'Bearer' },
      ]) {
        const res = await f.app.inject({
          method: r.method as 'GET',
          url,
          headers,
          ...(MUTATING.has(r.method) ? { payload: {} } : {}),
        });
        assert.equal(res.statusCode, 401, `${r.method} ${url} ${JSON.stringify(headers)}`);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
        assert.equal(body.code, 'AUTH_REQUIRED');
        assert.equal(body.error, 'Unauthorized');
      }
    }
  });

  it('every route above read answers 403 AUTH_FORBIDDEN to each lower role, before looking at the input', async () => {
    let checked = 0;
    for (const r of routes.filter((x) => x.role === 'operator' || x.role === 'admin')) {
      for (const lower of ORDER.slice(0, ORDER.indexOf(r.role))) {
        const res = await f.call(r.method as 'GET', concrete(r.path), {
          token: f.tokens[lower as 'read'],
          body: { bogus: true },
        });
        assert.equal(res.statusCode, 403, `${r.method} ${r.path} as ${lower}: ${res.body}`);
        assert.equal(res.json().code, 'AUTH_FORBIDDEN');
        checked++;
      }
    }
    // POST /sync, POST /updates/deployed, POST /upstream/test (operator) and the admin routes.
    assert.ok(checked >= 10, `only ${checked} role checks`);
  });

  it('HEAD on a protected GET route needs a token too', async () => {
    const res = await f.app.inject({ method: 'HEAD', url: '/api/v1/status' });
    assert.equal(res.statusCode, 401);
  });

  it('open routes answer without a token', async () => {
    assert.equal((await f.call('GET', '/health', { token: null })).statusCode, 200);
    assert.equal((await f.call('GET', '/metrics', { token: null })).statusCode, 200);
  });

  it('tokens are stored as SHA-256 only: the database file never contains a plaintext token', async () => {
    const { token, record } = await createApiToken(f.site.store, 'ci', 'read', () => new Date('2026-01-01T00:00:00Z'));
    assert.match(token, /^sup_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.role, 'read');
    assert.equal(record.createdAt, '2026-01-01T00:00:00.000Z');
    assert.equal((await f.site.store.findTokenByHash(hashToken(token)))?.name, 'ci');
    const bytes = readFileSync(f.db).toString('latin1') + readWal(f.db);
    for (const t of [token, ...Object.values(f.tokens)]) {
      assert.ok(!bytes.includes(t), 'plaintext token found in the database');
      assert.ok(!bytes.includes(t.slice(4)), 'token body found in the database');
    }
    assert.ok(bytes.includes(hashToken(token)), 'the hash is what is stored');
  });

  it('a token created over the API works at once, is listed without its secret, and can be revoked', async () => {
    const created = await f.call('POST', '/api/v1/tokens', { body: { name: 'monitoring', role: 'read' } });
    assert.equal(created.statusCode, 201);
    const { token, id } = created.json();
    assert.equal((await f.call('GET', '/api/v1/status', { token })).statusCode, 200);
    const list = (await f.call('GET', '/api/v1/tokens')).json().items as Record<string, unknown>[];
    const listed = list.find((t) => t.id === id);
    assert.equal(listed?.name, 'monitoring');
    assert.ok(list.every((t) => !('token' in t) && !('tokenHash' in t)));
    assert.equal((await f.call('DELETE', `/api/v1/tokens/${id}`)).statusCode, 204);
    assert.equal((await f.call('GET', '/api/v1/status', { token })).statusCode, 401);
    assert.equal((await f.call('DELETE', `/api/v1/tokens/${id}`)).json().code, 'NOT_FOUND');
  });

  it("GET /tokens/current answers each caller its own token's name and role, never the token", async () => {
    for (const role of ['read', 'operator', 'admin'] as const) {
      const res = await f.call('GET', '/api/v1/tokens/current', { token: f.tokens[role] });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { name: `${role}-token`, role });
    }
    assert.equal((await f.call('GET', '/api/v1/tokens/current', { token: '' })).statusCode, 401);
  });

  it('the audit records who did what, and using a token records its last use', async () => {
    await f.call('PATCH', '/api/v1/settings', { body: { 'cleanup-age-days': '9' } });
    const audit = (await f.call('GET', '/api/v1/audit?limit=5')).json().items as {
      actor: string;
      action: string;
      details: unknown;
    }[];
    const change = audit.find((a) => a.action === 'settings.change');
    assert.ok(change);
    assert.equal(change.actor, 'admin-token');
    assert.deepEqual((change.details as { changed: string[] }).changed, ['cleanup-age-days']);
    const admin = (await f.site.store.listTokens()).find((t) => t.name === 'admin-token');
    assert.ok(admin?.lastUsedAt !== undefined);
  });

  it('roles are ordered read < operator < admin', () => {
    assert.ok(roleAllows('admin', 'operator') && roleAllows('operator', 'read') && roleAllows('read', 'read'));
    assert.ok(!roleAllows('read', 'operator') && !roleAllows('operator', 'admin'));
  });
});

describe('protected /metrics and /health', () => {
  it('need a read token when configured so', async () => {
    const f = await apiFixture({ server: { api: { protectMetrics: true, protectHealth: true } } });
    try {
      assert.equal((await f.call('GET', '/metrics', { token: null })).statusCode, 401);
      assert.equal((await f.call('GET', '/health', { token: null })).statusCode, 401);
      assert.equal((await f.call('GET', '/metrics', { token: f.tokens.read })).statusCode, 200);
    } finally {
      await f.close();
    }
  });
});

function readWal(db: string): string {
  try {
    return readFileSync(`${db}-wal`).toString('latin1');
  } catch {
    return '';
  }
}
