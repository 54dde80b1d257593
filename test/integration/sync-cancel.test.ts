/**
 * Stopping a sync (WSUS's *Stop Synchronization*) over the API and the CLI, against a real upstream
 * behind a proxy on loopback that holds the updates phase's GetUpdateData: the queued run is
 * cancelled at once, the running one at its next safe point; what it committed stays, its anchors
 * do not move, no alert is raised and no retry planned, and the next sync takes up from there
 * without downloading again what was kept. Runs that are not active are refused with a code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../src/api/auth.ts';
import { buildHttpServer } from '../../src/app-http.ts';
import { SyncScheduler } from '../../src/scheduler/sync-scheduler.ts';
import { readSupSyncStatus } from '../../src/sync/status.ts';
import { CliProcess, jsonOf, runCli } from '../helpers/cli-process.ts';
import { type ChildFixture, createChild, SUBSCRIPTION, startUpstream, type UpstreamFixture } from '../helpers/sites.ts';
import { startUpstreamProxy, type UpstreamProxy } from '../helpers/upstream-proxy.ts';

describe('stopping a sync', () => {
  let upstream: UpstreamFixture;
  let proxy: UpstreamProxy;
  let child: ChildFixture;
  let http: FastifyInstance;
  let base = '';
  const tokens = { read: '', operator: '' };

  before(async () => {
    upstream = await startUpstream(300, 'cancel');
    proxy = await startUpstreamProxy(upstream.url);
    child = await createChild(proxy.url, SUBSCRIPTION);
    http = await buildHttpServer({ site: child.site });
    base = await http.listen({ host: '127.0.0.1', port: 0 });
    tokens.read = (await createApiToken(child.site.store, 'watcher', 'read', () => new Date())).token;
    tokens.operator = (await createApiToken(child.site.store, 'patch admin', 'operator', () => new Date())).token;
  });
  after(async () => {
    await http?.close();
    await child?.site.close();
    await proxy?.close();
    await upstream?.close();
  });

  const cancel = (runId: number, token: string) =>
    fetch(`${base}/api/v1/runs/${runId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  it('cancels the queued run at once and the running one at its next safe point, keeping what it committed', async () => {
    // The updates phase's GetUpdateData (the first is the categories') waits: the run is mid-way.
    const held = proxy.hold('GetUpdateData', 2);
    const running = await child.site.coordinator.request({ full: false, trigger: 'manual' });
    const queued = await child.site.coordinator.request({ full: true, trigger: 'manual' });
    try {
      await held.reached;

      assert.equal((await cancel(queued.run.id, tokens.read)).status, 403, 'a read token may not stop a sync');
      const answer = await cancel(queued.run.id, tokens.operator);
      assert.equal(answer.status, 202);
      const stopped = (await answer.json()) as { state: string; errorCode: string; errorMessage: string };
      assert.deepEqual([stopped.state, stopped.errorCode], ['cancelled', 'ABORTED']);
      assert.equal(stopped.errorMessage, 'cancelled by patch admin before it started');
      assert.equal((await queued.finished).state, 'cancelled');

      const stopping = await cancel(running.run.id, tokens.operator);
      assert.equal(stopping.status, 202);
      assert.equal(((await stopping.json()) as { state: string }).state, 'running', 'it stops at its next safe point');
    } finally {
      held.release();
    }
    const run = await running.finished;
    assert.equal(run.state, 'cancelled');
    assert.equal(run.errorCode, 'ABORTED');
    assert.equal(run.errorMessage, 'cancelled by patch admin');

    const store = child.site.store;
    assert.ok((await store.listCategories()).length > 0, 'the categories it committed stay');
    assert.equal((await store.getSyncState(proxy.url))?.updateAnchor ?? null, null, 'the update anchor did not move');
    assert.equal((await store.listAlerts(true)).length, 0, 'a cancel raises no sync-failure alert');
    const status = await readSupSyncStatus(store);
    assert.equal(status.LastSyncState, 6703);
    assert.equal(status.LastSyncErrorCode, 0x800704c7, 'ERROR_CANCELLED');
    const scheduler = new SyncScheduler({ store, coordinator: child.site.coordinator });
    await scheduler.start();
    assert.notEqual(scheduler.planned()?.trigger, 'retry', 'no retry is planned, as after a failure');
    scheduler.stop();
    const said = child.log.lines.map((l) => l.message);
    assert.ok(said.includes('Sync cancelled: cancelled by patch admin. Source: ABORTED'), said.join('\n'));
    assert.ok(!said.some((l) => l.startsWith('Sync failed. Will retry')));
    const audit = await store.listAudit(5);
    assert.deepEqual(
      audit.filter((a) => a.action === 'sync.cancel').map((a) => [a.actor, (a.details as { runId: number }).runId]),
      [
        ['patch admin', running.run.id],
        ['patch admin', queued.run.id],
      ],
    );

    const next = await (await child.site.coordinator.request({ full: false, trigger: 'manual' })).finished;
    assert.equal(next.state, 'succeeded', next.errorMessage);
    assert.equal(next.kind, 'full', 'still the first synchronization');
    assert.equal(next.categories?.downloaded, 0, 'the categories kept are not downloaded again');
    assert.ok((next.updates?.downloaded ?? 0) > 0);
  });

  it('refuses a run that is not active (SYNC_NOT_ACTIVE) and one that does not exist (NOT_FOUND)', async () => {
    const [last] = await child.site.store.listRuns(1);
    assert.ok(last);
    const finished = await cancel(last.id, tokens.operator);
    assert.equal(finished.status, 409);
    assert.equal(((await finished.json()) as { code: string }).code, 'SYNC_NOT_ACTIVE');
    const missing = await cancel(999_999, tokens.operator);
    assert.equal(missing.status, 404);
  });

  it('supsync sync --server --cancel stops the running sync; with nothing running it says so', async () => {
    const remote = ['--server', base, '--token', tokens.operator];
    const held = proxy.hold('GetRevisionIdList', 1);
    const ticket = await child.site.coordinator.request({ full: false, trigger: 'manual' });
    try {
      await held.reached;
      const r = await runCli(['sync', ...remote, '--cancel']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `sync #${ticket.run.id} stops at its next safe point\n`);
    } finally {
      held.release();
    }
    assert.equal((await ticket.finished).state, 'cancelled');
    const none = await runCli(['sync', ...remote, '--cancel']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error SYNC_NOT_ACTIVE: no sync is running or queued on http:\/\/127\.0\.0\.1:\d+\n$/);
    const local = await runCli(['sync', '--db', child.db, '--cancel']);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /^error INPUT_INVALID: --cancel stops a sync of a running site/);
  });

  it('Ctrl-C stops a one-shot supsync sync at its next safe point and records it cancelled', async () => {
    const other = await createChild(proxy.url, SUBSCRIPTION);
    await other.site.close();
    const held = proxy.hold('GetUpdateData', 2);
    const sync = new CliProcess(['sync', '--db', other.db, '--json']);
    try {
      await held.reached;
      sync.child.kill('SIGINT');
      await sync.waitForOutput(/at its next safe point/, 30_000, 'stderr');
      held.release();
      const r = await sync.exited;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^\nSIGINT: stopping sync #1 at its next safe point \(SIGINT again quits at once\)\n$/);
      const run = jsonOf<{ state: string; errorCode: string; errorMessage: string }>(r);
      assert.deepEqual(
        [run.state, run.errorCode, run.errorMessage],
        ['cancelled', 'ABORTED', 'cancelled by SIGINT to supsync sync'],
      );
    } finally {
      held.release();
      await sync.kill();
    }
  });

  it('closing the site stops the running sync and records the queued one cancelled before it started', async () => {
    const other = await createChild(proxy.url, SUBSCRIPTION);
    const held = proxy.hold('GetUpdateData', 2);
    const running = await other.site.coordinator.request({ full: false, trigger: 'schedule' });
    const queued = await other.site.coordinator.request({ full: true, trigger: 'manual' });
    let closing: Promise<void> | undefined;
    try {
      await held.reached;
      closing = other.site.close();
      const dropped = await queued.finished;
      assert.deepEqual(
        [dropped.state, dropped.errorCode, dropped.errorMessage],
        ['cancelled', 'ABORTED', 'the process shut down before it started'],
      );
    } finally {
      held.release();
      await (closing ?? other.site.close());
    }
    assert.deepEqual([(await running.finished).state, (await running.finished).errorCode], ['cancelled', 'ABORTED']);
  });
});
