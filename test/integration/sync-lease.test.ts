/**
 * One sync per site across processes: two coordinators on one database (as a `supsync sync` next to
 * a running `supsync serve`) never run at once; the second is refused with SYNC_IN_PROGRESS without
 * disturbing the running one, its status or its history, and runs normally once the first is done.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSite } from '../../src/app.ts';
import { LEASE_STALE_MS, leaseIsLive, SyncCoordinator } from '../../src/sync/coordinator.ts';
import { readSupSyncStatus } from '../../src/sync/status.ts';
import { runCli } from '../helpers/cli-process.ts';
import { syncOnce, withUpstreamAndChild } from '../helpers/sites.ts';

describe('sync lease', () => {
  it('refuses a second process while one synchronizes, and lets it run afterwards', async () => {
    await withUpstreamAndChild(1500, 'lease', async (_upstream, child) => {
      const other = await openSite({ db: child.db, logDir: join(child.dir, 'logs-other') });
      try {
        const first = await child.site.coordinator.request({ full: false, trigger: 'manual' });
        while ((await other.store.getSyncLease()) === undefined) await new Promise((r) => setTimeout(r, 5));

        assert.equal(await other.coordinator.recoverInterrupted(), 0, 'the live run is not taken for a crashed one');
        const refused = await (await other.coordinator.request({ full: true, trigger: 'cli' })).finished;
        assert.equal(refused.state, 'cancelled');
        assert.equal(refused.errorCode, 'SYNC_IN_PROGRESS');
        assert.match(refused.errorMessage ?? '', new RegExp(`run ${first.run.id}, process ${process.pid} on `));
        const status = await readSupSyncStatus(other.store);
        assert.equal(status.LastSyncErrorCode, 0, 'a refused request is not a failed sync');
        assert.equal(status.LastRunId, first.run.id);

        const done = await first.finished;
        assert.equal(done.state, 'succeeded', done.errorMessage);
        assert.equal(await other.store.getSyncLease(), undefined, 'released when the run ends');
        const after = await syncOnce(other);
        assert.equal(after.state, 'succeeded', after.errorMessage);
        assert.equal(after.kind, 'delta');
      } finally {
        await other.close();
      }
    });
  });

  it('stops a run at its next safe point when another process takes the lease over', async () => {
    await withUpstreamAndChild(1500, 'lease-lost', async (_upstream, child) => {
      // Renewing every 20 ms, so the take-over is noticed within the run.
      const coordinator = new SyncCoordinator(child.site.store, child.site.engine, () => new Date(), 20);
      const ticket = await coordinator.request({ full: false, trigger: 'manual' });
      while ((await child.site.store.getSyncLease()) === undefined) await new Promise((r) => setTimeout(r, 5));
      const now = new Date().toISOString();
      const thief = { holder: 'other', pid: process.pid, host: hostname(), runId: 99, acquiredAt: now, renewedAt: now };
      await child.site.store.acquireSyncLease(thief, () => true);
      const run = await ticket.finished;
      assert.equal(run.state, 'cancelled');
      assert.equal(run.errorCode, 'SYNC_IN_PROGRESS');
      assert.equal((await child.site.store.getSyncLease())?.holder, 'other', "the other process's lease is left alone");
      assert.equal((await child.site.store.listAlerts(true)).length, 0, 'not a sync failure');
    });
  });

  it('makes `supsync sync` in another process say a sync is running and exit non-zero', async () => {
    await withUpstreamAndChild(300, 'lease-cli', async (_upstream, child) => {
      // This test process holds the lease, as a running `supsync serve` would.
      const now = new Date().toISOString();
      const held = { holder: 'serve', pid: process.pid, host: hostname(), runId: 41, acquiredAt: now, renewedAt: now };
      assert.equal((await child.site.store.acquireSyncLease(held, () => false)).holder, 'serve');
      const sync = () =>
        runCli(['sync', '--db', child.db, '--log-dir', join(child.dir, 'cli-logs')], {
          cwd: child.dir,
          timeoutMs: 60_000,
        });
      const refused = await sync();
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /cancelled/);
      assert.match(
        refused.stdout,
        new RegExp(
          `error SYNC_IN_PROGRESS: another process is synchronizing this site \\(run 41, process ${process.pid} `,
        ),
      );
      await child.site.store.releaseSyncLease('serve');
      const ran = await sync();
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    });
  });

  it('counts a holder as gone when its process on this host exited or it stopped renewing', () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const now = new Date('2026-11-24T10:00:00Z');
    const lease = {
      holder: 'h',
      pid: Number(exited.stdout),
      host: hostname(),
      runId: 1,
      acquiredAt: now.toISOString(),
      renewedAt: now.toISOString(),
    };
    assert.equal(leaseIsLive(lease, now), false, 'its process exited');
    assert.equal(leaseIsLive({ ...lease, pid: process.pid }, now), true);
    assert.equal(leaseIsLive({ ...lease, host: 'another-host' }, now), true, 'another host: trusted while renewed');
    const late = new Date(now.getTime() + LEASE_STALE_MS + 1);
    assert.equal(leaseIsLive({ ...lease, host: 'another-host' }, late), false, 'not renewed in time');
  });
});
