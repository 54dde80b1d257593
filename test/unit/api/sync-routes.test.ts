/**
 * SyncNow through the API against an upstream that holds its requests: POST /sync answers at once
 * while the sync waits on the upstream; further requests queue one run, then coalesce into it; a
 * full request upgrades the queued delta. Then the upstream fails them: runs, status, alerts,
 * metrics and the event stream of a finished run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture, holdingUpstream, parseSse } from './api-fixture.ts';

describe('sync routes (SyncNow semantics)', () => {
  let f: ApiFixture;
  let upstream: Awaited<ReturnType<typeof holdingUpstream>>;

  before(async () => {
    upstream = await holdingUpstream();
    f = await apiFixture({ settings: { upstreamUrl: upstream.url } });
  });
  after(async () => {
    upstream.release();
    await f.close();
    await upstream.close();
  });

  let first = 0;
  let queued = 0;

  it('POST /sync answers 202 at once with the run id, while the sync waits on the upstream', async () => {
    const res = await f.call('POST', '/api/v1/sync', { token: f.tokens.operator });
    assert.equal(res.statusCode, 202, res.body);
    const body = res.json();
    assert.deepEqual(
      { ...body, runId: 0 },
      { runId: 0, state: 'queued', kind: 'delta', coalesced: false, location: `/api/v1/runs/${body.runId}` },
    );
    assert.equal(res.headers.location, body.location);
    first = body.runId;
    await upstream.waitForRequest();
    const run = (await f.call('GET', `/api/v1/runs/${first}`, { token: f.tokens.read })).json();
    assert.equal(run.state, 'running');
    assert.equal(run.kind, 'full', 'the engine planned the first sync full');
    assert.equal(run.trigger, 'api');
    assert.equal(run.requestedBy, 'operator-token');
    assert.deepEqual(run.progress, { runId: first, phase: 'connecting', done: 0, total: 0, etaSeconds: null });
  });

  it('a request while a sync runs queues one run; the next ones coalesce into it', async () => {
    const second = (await f.call('POST', '/api/v1/sync', { body: {} })).json();
    assert.equal(second.coalesced, false);
    assert.notEqual(second.runId, first);
    assert.equal(second.kind, 'delta');
    queued = second.runId;
    const third = (await f.call('POST', '/api/v1/sync', { body: { full: false } })).json();
    assert.deepEqual([third.runId, third.coalesced, third.kind], [queued, true, 'delta']);
  });

  it('a full request upgrades the queued delta to full', async () => {
    const full = (await f.call('POST', '/api/v1/sync', { body: { full: true } })).json();
    assert.deepEqual([full.runId, full.coalesced, full.kind], [queued, true, 'full']);
    const run = (await f.call('GET', `/api/v1/runs/${queued}`)).json();
    assert.deepEqual([run.state, run.kind, run.reason], ['queued', 'full', 'full synchronization requested']);
  });

  it('status shows the running and the queued run (SMS_SUPSyncStatus fields)', async () => {
    const rows = (await f.call('GET', '/api/v1/status', { token: f.tokens.read })).json();
    assert.equal(rows.length, 1);
    const s = rows[0];
    assert.deepEqual([s.SiteCode, s.WSUSServerName, s.WSUSSourceServer], ['CS1', 'sup1', upstream.url]);
    assert.equal(s.LastSyncState, 6704, 'in progress: synchronizing WSUS server');
    assert.deepEqual(s.Queued, { runId: queued, kind: 'full' });
    assert.equal(s.Running.runId, first);
    assert.equal(s.NextScheduledSync, null, 'no scheduler runs in this app');
    const metrics = (await f.call('GET', '/metrics', { token: null })).body;
    assert.match(metrics, /^supsync_sync_in_progress 1$/m);
  });

  it('GET /runs/{id}?wait= answers when the run ends, or when the wait is up, not before', async () => {
    const started = Date.now();
    const stillQueued = await f.call('GET', `/api/v1/runs/${queued}?wait=1`, { token: f.tokens.read });
    assert.equal(stillQueued.statusCode, 200, stillQueued.body);
    assert.equal(stillQueued.json().state, 'queued');
    assert.ok(Date.now() - started >= 900, 'it waited out the second it was given');
    let answered = false;
    const waiting = f.call('GET', `/api/v1/runs/${first}?wait=60`, { token: f.tokens.read }).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(answered, false, 'the run is still running: the request waits');
    upstream.release();
    const ended = await waiting;
    assert.equal(ended.statusCode, 200, ended.body);
    assert.deepEqual([ended.json().id, ended.json().state], [first, 'failed']);
    assert.equal((await f.call('GET', `/api/v1/runs/${first}?wait=301`)).json().code, 'INPUT_INVALID');
  });

  it('when the upstream fails, both runs fail, one alert is raised, and history, status and metrics say so', async () => {
    upstream.release();
    await f.site.coordinator.whenIdle();
    const runs = (await f.call('GET', '/api/v1/runs?limit=10', { token: f.tokens.read })).json().items;
    assert.deepEqual(
      runs.map((r: { id: number; state: string; errorCode: string }) => [r.id, r.state, r.errorCode]),
      [
        [queued, 'failed', 'UPSTREAM_HTTP'],
        [first, 'failed', 'UPSTREAM_HTTP'],
      ],
    );
    const alerts = (await f.call('GET', '/api/v1/alerts?active=true', { token: f.tokens.read })).json().items;
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].state, 'active');
    assert.match(alerts[0].message, /^Synchronization failure alert for software update point: sup1 \(UPSTREAM_HTTP/);
    const s = (await f.call('GET', '/api/v1/status')).json()[0];
    assert.equal(s.LastSyncState, 6703);
    assert.equal(s.LastSyncErrorName, 'UPSTREAM_HTTP');
    assert.ok(s.LastSyncErrorCode > 0);
    assert.equal(s.ReplicationLinkStatus, 2);
    assert.equal(s.Queued, null);
    assert.equal(s.Running, null);
    const metrics = (await f.call('GET', '/metrics')).body;
    assert.match(metrics, /^supsync_sync_runs_total\{kind="full",result="failed"\} 2$/m);
    assert.match(metrics, /^supsync_sync_duration_seconds_count\{kind="full",result="failed"\} 2$/m);
    assert.match(metrics, /^supsync_sync_in_progress 0$/m);
    assert.match(metrics, /^supsync_sync_alert_active 1$/m);
    assert.match(metrics, /^supsync_last_success_timestamp_seconds 0$/m);
  });

  it('GET /status-messages: what each run said, newest first, 6701 started and 6703 failed', async () => {
    const res = await f.call('GET', '/api/v1/status-messages?limit=50', { token: f.tokens.read });
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items as { id: number; runId: number; messageId: number; severity: string }[];
    const ofRun = (runId: number) => items.filter((m) => m.runId === runId).map((m) => [m.messageId, m.severity]);
    for (const runId of [first, queued]) {
      const said = ofRun(runId);
      assert.deepEqual(said.at(-1), [6701, 'I'], `run ${runId} starts with 6701`);
      assert.deepEqual(said[0], [6703, 'E'], `run ${runId} ends with 6703`);
    }
    assert.deepEqual(
      items.map((m) => m.id),
      items.map((m) => m.id).sort((a, b) => b - a),
      'newest first',
    );
    const one = await f.call('GET', '/api/v1/status-messages?limit=1', { token: f.tokens.read });
    assert.deepEqual(one.json().items, items.slice(0, 1));
    const bad = await f.call('GET', '/api/v1/status-messages?limit=0', { token: f.tokens.read });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'INPUT_INVALID');
  });

  it("GET /log reads back the site's wsyncmgr.log: the failed runs, oldest first", async () => {
    const res = await f.call('GET', '/api/v1/log?lines=1000', { token: f.tokens.read });
    assert.equal(res.statusCode, 200, res.body);
    const { path, items } = res.json() as {
      path: string;
      items: { time: string; severity: string; component: string; message: string }[];
    };
    assert.equal(path, join(f.dir, 'logs', 'wsyncmgr.log'));
    assert.ok(items.every((e) => e.component === 'SMS_WSUS_SYNC_MANAGER'));
    const retries = items.filter((e) => e.message === 'Sync failed. Will retry in 60 minutes');
    assert.equal(retries.length, 2, 'both runs failed');
    assert.ok(retries.every((e) => e.severity === 'error'));
    const times = items.map((e) => e.time);
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    const last = await f.call('GET', '/api/v1/log?lines=1', { token: f.tokens.read });
    assert.deepEqual(last.json().items, items.slice(-1));
    assert.equal((await f.call('GET', '/api/v1/log?lines=0', { token: f.tokens.read })).statusCode, 400);
  });

  it('the event stream of a finished run sends the final record and ends', async () => {
    const res = await f.call('GET', `/api/v1/runs/${first}/events`, { token: f.tokens.read });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = parseSse(res.body);
    assert.deepEqual(
      events.map((e) => e.event),
      ['finished'],
    );
    assert.equal((events[0]?.data as { state?: string } | undefined)?.state, 'failed');
  });

  it('every request was audited with the caller', async () => {
    const audit = (await f.call('GET', '/api/v1/audit')).json().items as {
      actor: string;
      action: string;
      details: { runId: number };
    }[];
    const syncs = audit.filter((a) => a.action === 'sync.request');
    assert.equal(syncs.length, 4);
    assert.deepEqual(syncs.map((a) => a.actor).reverse(), [
      'operator-token',
      'admin-token',
      'admin-token',
      'admin-token',
    ]);
  });
});
