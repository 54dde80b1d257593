/**
 * Input validation of every route, through the real app: each bad input is refused with the error
 * envelope and the documented code, and nothing is changed by a refused request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture, smallCatalog } from './api-fixture.ts';

type Case = readonly [
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body: unknown,
  status: number,
  code: string,
];

const G = '00000abc-0000-4000-8000-000000000001';
const NOPE = '0000dead-0000-4000-8000-000000000001';

const CASES: readonly Case[] = [
  ['POST', '/api/v1/sync', { full: 'yes' }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/sync', { full: true, now: true }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/sync', [true], 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/sync', { full: true }, 400, 'CONFIG_INVALID'], // the fixture's upstream is "none"
  ['GET', '/api/v1/status?verbose=1', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs?limit=0', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs?limit=501', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs?limit=ten', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs?state=failed', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs/0', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs/abc', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs/999', undefined, 404, 'NOT_FOUND'],
  ['GET', '/api/v1/runs/abc/events', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/runs/999/events', undefined, 404, 'NOT_FOUND'],
  ['GET', '/api/v1/updates?productId=windows', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?classificationId=security', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?kb=KBabc', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?severity=Extreme', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?superseded=maybe', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?expired=2', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?deployed=yes', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?text=', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?postedFrom=yesterday', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?revisedTo=2026-13-01', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?offset=-1', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?limit=0', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?limit=1001', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates?supersede=false', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/updates/not-a-guid', undefined, 400, 'INPUT_INVALID'],
  ['GET', `/api/v1/updates/${NOPE}`, undefined, 404, 'NOT_FOUND'],
  ['POST', '/api/v1/updates/deployed', {}, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/updates/deployed', { updateIds: [], deployed: true }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/updates/deployed', { updateIds: ['x'], deployed: true }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/updates/deployed', { updateIds: [G, G], deployed: true }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/updates/deployed', { updateIds: [G], deployed: 'sure' }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/updates/deployed', { updateIds: [G] }, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/categories?type=Vendor', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/settings?key=schedule', undefined, 400, 'INPUT_INVALID'],
  ['PATCH', '/api/v1/settings', {}, 400, 'INPUT_INVALID'],
  ['PATCH', '/api/v1/settings', { 'no-such-key': '1' }, 400, 'INPUT_INVALID'],
  ['PATCH', '/api/v1/settings', { schedule: 'fortnightly' }, 400, 'CONFIG_INVALID'],
  ['PATCH', '/api/v1/settings', { schedule: 'cron:61 * * * *' }, 400, 'CONFIG_INVALID'],
  ['PATCH', '/api/v1/settings', { 'full-sync-interval-days': '0' }, 400, 'CONFIG_INVALID'],
  ['PATCH', '/api/v1/settings', { upstream: 'ftp://example' }, 400, 'CONFIG_INVALID'],
  ['PATCH', '/api/v1/settings', { products: 'Windows 95' }, 400, 'CONFIG_UNKNOWN_CATEGORY'],
  ['PATCH', '/api/v1/settings', { languages: { en: true } }, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/alerts?active=perhaps', undefined, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/tokens', {}, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/tokens', { name: '', role: 'read' }, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/tokens', { name: 'x', role: 'root' }, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/tokens?all=1', undefined, 400, 'INPUT_INVALID'],
  ['DELETE', '/api/v1/tokens/abc', undefined, 400, 'INPUT_INVALID'],
  ['DELETE', '/api/v1/tokens/999', undefined, 404, 'NOT_FOUND'],
  ['GET', '/api/v1/audit?limit=0', undefined, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/audit?limit=1001', undefined, 400, 'INPUT_INVALID'],
  ['POST', '/api/v1/upstream/test', { url: 'http://elsewhere' }, 400, 'INPUT_INVALID'],
  ['GET', '/api/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
  ['GET', '/nothing-here', undefined, 404, 'NOT_FOUND'],
];

describe('API input validation', () => {
  let f: ApiFixture;

  before(async () => {
    f = await apiFixture({ revisions: smallCatalog(4) });
  });
  after(() => f.close());

  for (const [method, url, body, status, code] of CASES) {
    it(`${method} ${url} ${body === undefined ? '' : JSON.stringify(body)} -> ${status} ${code}`, async () => {
      const res = await f.call(method, url, { body });
      assert.equal(res.statusCode, status, res.body);
      const err = res.json();
      assert.equal(err.code, code);
      assert.equal(err.statusCode, status);
      assert.equal(typeof err.error, 'string');
      assert.ok(typeof err.message === 'string' && err.message.length > 0);
    });
  }

  it('a malformed JSON body, a wrong content type and an oversized body are INPUT_INVALID', async () => {
    const auth = { authorization: `Bearer ${f.tokens.admin}` };
    const bad = await f.app.inject({
      method: 'POST',
      url: '/api/v1/sync',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"full":',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'INPUT_INVALID');
    const text = await f.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().code, 'INPUT_INVALID');
    const huge = await f.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ languages: 'x'.repeat(17 * 1024 * 1024) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().code, 'INPUT_INVALID');
  });

  it('an unknown field is named in the message', async () => {
    const res = await f.call('GET', '/api/v1/updates?supersede=false');
    assert.match(res.json().message, /unknown field "supersede"/);
  });

  it('a refused settings change changes nothing, even when its first key was valid', async () => {
    const before = (await f.call('GET', '/api/v1/settings')).json().settings;
    const res = await f.call('PATCH', '/api/v1/settings', { body: { 'cleanup-age-days': '3', schedule: 'sometimes' } });
    assert.equal(res.json().code, 'CONFIG_INVALID');
    assert.deepEqual((await f.call('GET', '/api/v1/settings')).json().settings, before);
    const audit = (await f.call('GET', '/api/v1/audit')).json().items as { action: string }[];
    assert.ok(!audit.some((a) => a.action === 'settings.change'));
  });
});
