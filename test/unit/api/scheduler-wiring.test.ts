/**
 * The scheduler as buildHttpServer wires it: started when the app is ready, shown in the status as
 * NextScheduledSync, told about settings changes by PATCH /settings, stopped when the app closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../scheduler/fake-clock.ts';
import { type ApiFixture, apiFixture } from './api-fixture.ts';

describe('scheduler wiring', () => {
  const clock = new FakeClock('2026-03-10T10:00:00.000Z');
  let f: ApiFixture;

  before(async () => {
    f = await apiFixture({
      settings: { upstreamUrl: 'http://127.0.0.1:9', schedule: { kind: 'none' } },
      server: { startScheduler: true, schedulerClock: clock },
    });
    await f.app.ready();
  });
  after(() => f.close());

  const next = async () => (await f.call('GET', '/api/v1/status')).json()[0].NextScheduledSync;

  it('a disabled schedule shows no next sync', async () => {
    assert.equal(await next(), null);
  });

  it('PATCH /settings re-plans at once: a site that never synced is due now', async () => {
    await f.call('PATCH', '/api/v1/settings', { body: { schedule: 'daily:02:00' } });
    assert.equal(await next(), '2026-03-10T10:00:00.000Z');
    await f.call('PATCH', '/api/v1/settings', { body: { schedule: 'none' } });
    assert.equal(await next(), null);
    assert.equal(clock.pending().length, 0);
  });

  it('a due sync runs with trigger "schedule"; its failure plans the retry, shown in the status', async () => {
    await f.call('PATCH', '/api/v1/settings', { body: { schedule: 'weekly:monday:03:00' } });
    await clock.advance(0);
    await f.site.coordinator.whenIdle();
    const runs = (await f.call('GET', '/api/v1/runs')).json().items;
    assert.deepEqual([runs[0].trigger, runs[0].state], ['schedule', 'failed']);
    // The engine stamps real time; the retry is an hour after the failure as recorded.
    const expected = new Date(Date.parse(runs[0].finishedAt) + 3_600_000).toISOString();
    for (let i = 0; i < 50 && (await next()) !== expected; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await next(), expected);
  });

  it('closing the app stops the scheduler', async () => {
    await f.app.close();
    assert.equal(clock.pending().length, 0);
  });
});
