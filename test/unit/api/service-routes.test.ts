/**
 * /metrics in the Prometheus text format, /health, the OpenAPI document and the docs UI, and the
 * upstream connection check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { guid } from '../../helpers/revisions.ts';
import { type ApiFixture, apiFixture, catalogUpstream, smallCatalog, type UpstreamHandle } from './api-fixture.ts';

const SAMPLE =
  /^(supsync_[a-z_]+)(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? (-?\d+(\.\d+)?(e[+-]?\d+)?|NaN|[+-]Inf)$/;

describe('service routes', () => {
  let f: ApiFixture;

  before(async () => {
    f = await apiFixture({ revisions: smallCatalog(12) });
    await f.site.store.setCatalogVersion(7);
    await f.site.store.setDeployed(
      [(await f.site.store.queryUpdates({ limit: 1 })).items[0]?.updateId as string],
      true,
    );
    // One superseded update expired: it counts as expired only.
    await f.site.store.expireUpdates([guid(1)], '2026-02-01T00:00:00.000Z', 'superseded');
  });
  after(() => f.close());

  it('/metrics is valid Prometheus text with the supsync_ families', async () => {
    const res = await f.call('GET', '/metrics', { token: null });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const families = new Map<string, string>();
    for (const line of res.body.trimEnd().split('\n')) {
      const type = /^# TYPE (\S+) (counter|gauge|summary)$/.exec(line);
      if (type) families.set(type[1] as string, type[2] as string);
      else if (!line.startsWith('# HELP supsync_')) assert.match(line, SAMPLE, line);
    }
    assert.deepEqual(Object.fromEntries(families), {
      supsync_sync_runs_total: 'counter',
      supsync_sync_duration_seconds: 'summary',
      supsync_last_sync_duration_seconds: 'gauge',
      supsync_updates: 'gauge',
      supsync_catalog_version: 'gauge',
      supsync_last_success_timestamp_seconds: 'gauge',
      supsync_sync_in_progress: 'gauge',
      supsync_sync_alert_active: 'gauge',
    });
    const value = (sample: string) =>
      Number(new RegExp(`^${sample.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(res.body)?.[1]);
    assert.equal(value('supsync_updates{state="active"}'), 8);
    assert.equal(value('supsync_updates{state="superseded"}'), 3);
    assert.equal(value('supsync_updates{state="expired"}'), 1);
    assert.equal(value('supsync_updates{state="deployed"}'), 1);
    assert.equal(value('supsync_catalog_version'), 7);
    assert.equal(value('supsync_sync_runs_total{kind="delta",result="succeeded"}'), 0);
  });

  it('/health is open and says the site answers', async () => {
    const res = await f.call('GET', '/health', { token: null });
    assert.deepEqual(res.json(), { status: 'ok', siteCode: 'CS1', syncInProgress: false });
  });

  it('/openapi.json documents every API route with schemas, the bearer scheme and the error envelope', async () => {
    const res = await f.call('GET', '/openapi.json', { token: null });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer' } });
    const ops = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
      ([path, m]) => Object.entries(m).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
    );
    assert.deepEqual(ops.map((o) => o.id).sort(), [
      'DELETE /api/v1/tokens/{id}',
      'GET /api/v1/alerts',
      'GET /api/v1/audit',
      'GET /api/v1/categories',
      'GET /api/v1/hierarchy',
      'GET /api/v1/log',
      'GET /api/v1/runs',
      'GET /api/v1/runs/{id}',
      'GET /api/v1/runs/{id}/events',
      'GET /api/v1/settings',
      'GET /api/v1/status',
      'GET /api/v1/status-messages',
      'GET /api/v1/tokens',
      'GET /api/v1/tokens/current',
      'GET /api/v1/updates',
      'GET /api/v1/updates/{id}',
      'GET /health',
      'GET /metrics',
      'PATCH /api/v1/settings',
      'POST /api/v1/runs/{id}/cancel',
      'POST /api/v1/sync',
      'POST /api/v1/tokens',
      'POST /api/v1/updates/deployed',
      'POST /api/v1/upstream/test',
    ]);
    for (const { id, op } of ops) {
      const responses = op.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
      assert.equal(responses['4XX']?.content?.['application/json']?.schema.$ref, '#/components/schemas/ApiError', id);
      assert.equal(responses['5XX']?.content?.['application/json']?.schema.$ref, '#/components/schemas/ApiError', id);
      assert.ok(typeof op.summary === 'string', id);
      if (
        id.startsWith('GET /api') ||
        id.startsWith('POST /api') ||
        id.startsWith('PATCH') ||
        id.startsWith('DELETE')
      ) {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], id);
      }
    }
    const updates = (doc.paths['/api/v1/updates'].get.parameters as { name: string }[]).map((p) => p.name).sort();
    assert.deepEqual(updates, [
      'classificationId',
      'deployed',
      'expired',
      'kb',
      'limit',
      'offset',
      'postedFrom',
      'postedTo',
      'productId',
      'revisedFrom',
      'revisedTo',
      'severity',
      'superseded',
      'text',
    ]);
    assert.ok(
      !Object.keys(doc.paths).some((p) => p.includes('.asmx')),
      'SOAP endpoints are not part of the REST document',
    );
  });

  it('/docs serves the browsable API docs', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
  });

  describe('POST /upstream/test', () => {
    let upstream: UpstreamHandle;
    before(async () => {
      upstream = await catalogUpstream(smallCatalog(1));
    });
    after(() => upstream.close());

    it('reports a working upstream with its protocol version and timing', async () => {
      await f.call('PATCH', '/api/v1/settings', { body: { upstream: upstream.url } });
      const res = await f.call('POST', '/api/v1/upstream/test', { token: f.tokens.operator });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.ok, true, JSON.stringify(body));
      assert.equal(body.upstreamUrl, upstream.url);
      assert.equal(body.protocolVersion, '1.20');
      assert.ok(body.maxUpdatesPerRequest > 0);
      assert.ok(Number.isInteger(body.elapsedMs));
    });

    it('reports an unreachable upstream as ok: false with the error code', async () => {
      await f.call('PATCH', '/api/v1/settings', { body: { upstream: 'http://127.0.0.1:9' } });
      const body = (await f.call('POST', '/api/v1/upstream/test')).json();
      assert.equal(body.ok, false);
      assert.equal(body.error.code, 'UPSTREAM_UNREACHABLE');
    });
  });
});
