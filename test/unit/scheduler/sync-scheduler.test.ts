/**
 * SyncScheduler with an injected clock: schedules trigger delta syncs at the right moments, a
 * failed sync is retried 60 minutes later, a tick never overlaps a running sync, settings changes
 * take effect at once. The last test drives a real site (real coordinator, engine and SQLite store)
 * whose upstream refuses connections.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSite } from '../../../src/app.ts';
import { SyncScheduler } from '../../../src/scheduler/sync-scheduler.ts';
import { DEFAULT_SETTINGS, type SupSettings, type SyncSchedule } from '../../../src/site/settings.ts';
import type { RunState, SyncRunRecord } from '../../../src/store/site-store.ts';
import type { SyncRequest, SyncTicket } from '../../../src/sync/coordinator.ts';
import { MemoryLog } from '../../../src/sync/wsyncmgr-log.ts';
import { tempDir } from '../api/api-fixture.ts';
import { FakeClock, settle } from './fake-clock.ts';

const T0 = '2026-03-10T10:00:00.000Z'; // a Tuesday
const HOUR = 3_600_000;

/** The store and coordinator as the scheduler sees them, in memory. */
class FakeSite {
  settings: SupSettings;
  readonly runs: SyncRunRecord[] = [];
  readonly requests: SyncRequest[] = [];
  private current: { run: SyncRunRecord; resolve: (r: SyncRunRecord) => void } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly clock: FakeClock,
    schedule: SyncSchedule,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup1', upstreamUrl: 'http://upstream', schedule };
  }

  readonly store = {
    getSettings: async () => this.settings,
    listRuns: async (limit: number) => [...this.runs].sort((a, b) => b.id - a.id).slice(0, limit),
  };

  readonly coordinator = {
    request: async (req: SyncRequest): Promise<SyncTicket> => {
      this.requests.push(req);
      const run = this.addRun('running', req.trigger);
      let resolve!: (r: SyncRunRecord) => void;
      const finished = new Promise<SyncRunRecord>((r) => {
        resolve = r;
      });
      this.current = { run, resolve };
      return { run, coalesced: false, finished };
    },
    snapshot: () => ({ running: this.current?.run, queued: undefined }),
    whenIdle: () =>
      this.current === undefined ? Promise.resolve() : new Promise<void>((r) => this.idleWaiters.push(r)),
  };

  /** A run recorded now (a manual sync, or history before the scheduler starts). */
  addRun(state: RunState, trigger: SyncRunRecord['trigger'] = 'manual', at = this.clock.now()): SyncRunRecord {
    const run: SyncRunRecord = {
      id: this.runs.length + 1,
      kind: 'delta',
      reason: '',
      trigger,
      state,
      queuedAt: at.toISOString(),
      ...(state === 'failed' || state === 'succeeded' ? { finishedAt: at.toISOString() } : {}),
      upstreamUrl: 'http://upstream',
    };
    this.runs.push(run);
    return run;
  }

  /** Ends the running sync now. */
  async finish(state: 'succeeded' | 'failed'): Promise<void> {
    const c = this.current;
    assert.ok(c, 'no sync is running');
    const done = { ...c.run, state, finishedAt: this.clock.now().toISOString() };
    this.runs[this.runs.indexOf(c.run)] = done;
    this.current = undefined;
    c.resolve(done);
    for (const w of this.idleWaiters.splice(0)) w();
    await settle();
  }
}

function setup(schedule: SyncSchedule, history: (site: FakeSite, clock: FakeClock) => void = () => undefined) {
  const clock = new FakeClock(T0);
  const site = new FakeSite(clock, schedule);
  history(site, clock);
  const log = new MemoryLog();
  const scheduler = new SyncScheduler({ store: site.store, coordinator: site.coordinator, clock, log });
  return { clock, site, log, scheduler };
}

const iso = (d: Date | undefined) => d?.toISOString();

describe('SyncScheduler', () => {
  it('every N hours: triggers a delta N hours after the last sync, then N hours after that one', async () => {
    const { clock, site, scheduler, log } = setup({ kind: 'hours', every: 6 }, (s, c) =>
      s.addRun('succeeded', 'manual', new Date(c.now().getTime() - HOUR)),
    );
    await scheduler.start();
    assert.equal(iso(scheduler.nextRun()), '2026-03-10T15:00:00.000Z');
    assert.deepEqual(scheduler.planned()?.trigger, 'schedule');
    await clock.advance(5 * HOUR - 1);
    assert.equal(site.requests.length, 0);
    await clock.advance(1);
    assert.deepEqual(site.requests, [{ full: false, trigger: 'schedule' }]);
    assert.ok(log.lines.some((l) => l.message === 'Wakeup for scheduled regular sync'));
    assert.equal(scheduler.nextRun(), undefined, 'nothing planned while the sync runs');
    await clock.advance(10 * 60_000);
    await site.finish('succeeded');
    assert.equal(iso(scheduler.nextRun()), '2026-03-10T21:00:00.000Z');
    await clock.advance(6 * HOUR);
    assert.equal(site.requests.length, 2);
    scheduler.stop();
  });

  it('daily at HH:MM and weekly on a day: the next such time after the last sync', async () => {
    const daily = setup({ kind: 'daily', at: '02:00' }, (s, c) =>
      s.addRun('succeeded', 'schedule', new Date(c.now().getTime() - HOUR)),
    );
    await daily.scheduler.start();
    assert.equal(iso(daily.scheduler.nextRun()), '2026-03-11T02:00:00.000Z');
    await daily.clock.advance(16 * HOUR);
    assert.equal(daily.site.requests.length, 1);
    daily.scheduler.stop();

    const weekly = setup({ kind: 'weekly', day: 'monday', at: '03:15' }, (s, c) =>
      s.addRun('succeeded', 'schedule', c.now()),
    );
    await weekly.scheduler.start();
    assert.equal(iso(weekly.scheduler.nextRun()), '2026-03-16T03:15:00.000Z');
    weekly.scheduler.stop();
  });

  it('a cron expression; long waits sleep in capped steps without firing early', async () => {
    const { clock, site, scheduler } = setup({ kind: 'cron', expression: '30 4 * * 5' }, (s, c) =>
      s.addRun('succeeded', 'schedule', c.now()),
    );
    await scheduler.start();
    assert.equal(iso(scheduler.nextRun()), '2026-03-13T04:30:00.000Z');
    assert.ok((clock.pending()[0]?.getTime() ?? 0) - clock.now().getTime() <= HOUR, 'sleeps at most an hour at a time');
    await clock.advance(66 * HOUR);
    assert.equal(site.requests.length, 0);
    await clock.advance(30 * 60_000);
    assert.deepEqual(site.requests, [{ full: false, trigger: 'schedule' }]);
    scheduler.stop();
  });

  it('a site that never synced, or missed its sync while down, syncs at once (one catch-up)', async () => {
    const fresh = setup({ kind: 'daily', at: '02:00' });
    await fresh.scheduler.start();
    assert.equal(iso(fresh.scheduler.nextRun()), T0);
    await fresh.clock.advance(0);
    assert.equal(fresh.site.requests.length, 1);
    fresh.scheduler.stop();

    const missed = setup({ kind: 'hours', every: 24 }, (s, c) =>
      s.addRun('succeeded', 'schedule', new Date(c.now().getTime() - 3 * 24 * HOUR)),
    );
    await missed.scheduler.start();
    await missed.clock.advance(0);
    assert.equal(missed.site.requests.length, 1);
    await missed.site.finish('succeeded');
    assert.equal(iso(missed.scheduler.nextRun()), '2026-03-11T10:00:00.000Z', 'one catch-up, then the regular rhythm');
    missed.scheduler.stop();
  });

  it('a failed sync is retried 60 minutes after it failed, before the next regular sync', async () => {
    const { clock, site, scheduler, log } = setup({ kind: 'daily', at: '02:00' }, (s, c) =>
      s.addRun('succeeded', 'schedule', c.now()),
    );
    await scheduler.start();
    const request = await site.coordinator.request({ full: true, trigger: 'api' }); // a manual sync...
    assert.equal(request.run.trigger, 'api');
    await clock.advance(5 * 60_000);
    await site.finish('failed'); // ...that fails at 10:05
    await scheduler.runFinished();
    assert.deepEqual(scheduler.planned(), { at: new Date('2026-03-10T11:05:00.000Z'), trigger: 'retry' });
    assert.ok(log.lines.some((l) => l.message === 'Next scheduled sync is a retry sync at 2026-03-10T11:05:00.000Z'));
    await clock.advance(60 * 60_000);
    assert.deepEqual(site.requests.at(-1), { full: false, trigger: 'retry' });
    assert.ok(log.lines.some((l) => l.message === 'Wakeup to retry the failed sync'));
    await clock.advance(60_000);
    await site.finish('failed'); // the retry fails too: retried again an hour later
    assert.equal(iso(scheduler.nextRun()), '2026-03-10T12:06:00.000Z');
    await clock.advance(HOUR);
    await site.finish('succeeded');
    assert.deepEqual(scheduler.planned(), { at: new Date('2026-03-11T02:00:00.000Z'), trigger: 'schedule' });
    scheduler.stop();
  });

  it('never overlaps a running sync: the tick is skipped, logged, and the plan is redone when the sync ends', async () => {
    const { clock, site, scheduler, log } = setup({ kind: 'hours', every: 1 }, (s, c) =>
      s.addRun('succeeded', 'schedule', c.now()),
    );
    await scheduler.start();
    await clock.advance(50 * 60_000);
    await site.coordinator.request({ full: true, trigger: 'api' }); // a long manual sync from 10:50
    await clock.advance(10 * 60_000);
    assert.equal(site.requests.length, 1, 'the 11:00 tick did not start a second sync');
    assert.ok(log.lines.some((l) => /^Skipping the scheduled sync: sync #2 is in progress$/.test(l.message)));
    assert.equal(scheduler.nextRun(), undefined);
    await clock.advance(30 * 60_000);
    await site.finish('succeeded');
    assert.equal(iso(scheduler.nextRun()), '2026-03-10T11:50:00.000Z', 'an hour after the manual sync started');
    scheduler.stop();
  });

  it('re-reads the settings when they change; none disables; a site without an upstream has no schedule', async () => {
    const { site, scheduler, clock } = setup({ kind: 'none' }, (s, c) => s.addRun('succeeded', 'schedule', c.now()));
    await scheduler.start();
    assert.equal(scheduler.nextRun(), undefined);
    assert.equal(clock.pending().length, 0);
    site.settings = { ...site.settings, schedule: { kind: 'hours', every: 2 } };
    await scheduler.settingsChanged();
    assert.equal(iso(scheduler.nextRun()), '2026-03-10T12:00:00.000Z');
    site.settings = { ...site.settings, upstreamUrl: 'none' };
    await scheduler.settingsChanged();
    assert.equal(scheduler.nextRun(), undefined);
    assert.equal(clock.pending().length, 0);
    scheduler.stop();
  });

  it('stop() cancels the timer', async () => {
    const { scheduler, clock, site } = setup({ kind: 'hours', every: 1 }, (s, c) =>
      s.addRun('succeeded', 'schedule', c.now()),
    );
    await scheduler.start();
    assert.equal(clock.pending().length, 1);
    scheduler.stop();
    assert.equal(clock.pending().length, 0);
    await clock.advance(5 * HOUR);
    assert.equal(site.requests.length, 0);
    assert.equal(scheduler.nextRun(), undefined);
  });

  it('on a real site: a failed sync is retried by the scheduler 60 minutes later with trigger "retry"', async () => {
    const clock = new FakeClock(T0);
    const dir = tempDir('supsync-sched-');
    const log = new MemoryLog();
    const site = await openSite({
      db: join(dir, 'site.db'),
      logDir: join(dir, 'logs'),
      now: () => clock.now(),
      extraLog: log,
    });
    try {
      await site.store.initSite({
        ...DEFAULT_SETTINGS,
        siteCode: 'CS1',
        supName: 'sup1',
        upstreamUrl: 'http://127.0.0.1:9',
        schedule: { kind: 'none' },
      });
      const scheduler = new SyncScheduler({ store: site.store, coordinator: site.coordinator, clock, log: site.log });
      const unsubscribe = site.events.subscribe((e) => {
        if (e.kind === 'finished') void scheduler.runFinished();
      });
      await scheduler.start();
      assert.equal(scheduler.nextRun(), undefined, 'sync disabled');
      const first = await (await site.coordinator.request({ full: false, trigger: 'api' })).finished;
      assert.equal(first.state, 'failed');
      await settle();
      assert.deepEqual(scheduler.planned(), { at: new Date('2026-03-10T11:00:00.000Z'), trigger: 'retry' });
      await clock.advance(HOUR);
      await site.coordinator.whenIdle();
      const runs = await site.store.listRuns(5);
      assert.deepEqual(
        runs.map((r) => [r.trigger, r.state]),
        [
          ['retry', 'failed'],
          ['api', 'failed'],
        ],
      );
      assert.ok(log.lines.some((l) => l.message === 'Performing sync on retry after a failed sync'));
      assert.ok(log.lines.some((l) => l.message === 'Sync failed. Will retry in 60 minutes'));
      await settle();
      assert.equal(iso(scheduler.nextRun()), '2026-03-10T12:00:00.000Z');
      scheduler.stop();
      unsubscribe();
    } finally {
      await site.close();
    }
  });
});
