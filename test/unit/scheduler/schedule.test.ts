import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextDue, nextFire } from '../../../src/scheduler/schedule.ts';
import type { SyncSchedule } from '../../../src/site/settings.ts';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

describe('nextFire', () => {
  it('hours: N hours after the given time', () => {
    assert.equal(iso(nextFire({ kind: 'hours', every: 6 }, at('2026-03-10T10:15:00Z'))), '2026-03-10T16:15:00.000Z');
    assert.equal(iso(nextFire({ kind: 'hours', every: 168 }, at('2026-03-10T10:15:00Z'))), '2026-03-17T10:15:00.000Z');
  });

  it('daily: the next HH:MM UTC strictly after', () => {
    const daily: SyncSchedule = { kind: 'daily', at: '02:30' };
    assert.equal(iso(nextFire(daily, at('2026-03-10T01:00:00Z'))), '2026-03-10T02:30:00.000Z');
    assert.equal(iso(nextFire(daily, at('2026-03-10T02:30:00Z'))), '2026-03-11T02:30:00.000Z');
    assert.equal(iso(nextFire(daily, at('2026-12-31T23:00:00Z'))), '2027-01-01T02:30:00.000Z');
    assert.equal(iso(nextFire({ kind: 'daily', at: '00:00' }, at('2026-02-28T12:00:00Z'))), '2026-03-01T00:00:00.000Z');
  });

  it('weekly: the next weekday at HH:MM UTC strictly after', () => {
    // 2026-03-10 is a Tuesday.
    const monday: SyncSchedule = { kind: 'weekly', day: 'monday', at: '03:15' };
    assert.equal(iso(nextFire(monday, at('2026-03-10T10:00:00Z'))), '2026-03-16T03:15:00.000Z');
    assert.equal(iso(nextFire(monday, at('2026-03-16T03:00:00Z'))), '2026-03-16T03:15:00.000Z');
    assert.equal(iso(nextFire(monday, at('2026-03-16T03:15:00Z'))), '2026-03-23T03:15:00.000Z');
    assert.equal(
      iso(nextFire({ kind: 'weekly', day: 'tuesday', at: '23:59' }, at('2026-03-10T10:00:00Z'))),
      '2026-03-10T23:59:00.000Z',
    );
    assert.equal(
      iso(nextFire({ kind: 'weekly', day: 'sunday', at: '00:00' }, at('2026-03-14T23:00:00Z'))),
      '2026-03-15T00:00:00.000Z',
    );
  });

  it('cron: croner in UTC, strictly after', () => {
    assert.equal(
      iso(nextFire({ kind: 'cron', expression: '*/30 * * * *' }, at('2026-03-10T10:15:00Z'))),
      '2026-03-10T10:30:00.000Z',
    );
    assert.equal(
      iso(nextFire({ kind: 'cron', expression: '0 4 * * 1-5' }, at('2026-03-13T05:00:00Z'))),
      '2026-03-16T04:00:00.000Z',
    );
    assert.equal(
      iso(nextFire({ kind: 'cron', expression: '0 4 * * *' }, at('2026-03-10T04:00:00Z'))),
      '2026-03-11T04:00:00.000Z',
    );
  });

  it('none: never', () => {
    assert.equal(nextFire({ kind: 'none' }, at('2026-03-10T10:15:00Z')), undefined);
  });
});

describe('nextDue', () => {
  const now = at('2026-03-10T10:00:00Z');
  it('counts from the last sync', () => {
    assert.equal(
      iso(nextDue({ kind: 'hours', every: 4 }, at('2026-03-10T08:00:00Z'), now)),
      '2026-03-10T12:00:00.000Z',
    );
    assert.equal(
      iso(nextDue({ kind: 'daily', at: '02:00' }, at('2026-03-10T02:00:05Z'), now)),
      '2026-03-11T02:00:00.000Z',
    );
  });
  it('a missed run is due now, once', () => {
    assert.equal(iso(nextDue({ kind: 'hours', every: 4 }, at('2026-03-09T08:00:00Z'), now)), iso(now));
    assert.equal(iso(nextDue({ kind: 'daily', at: '02:00' }, at('2026-03-09T01:00:00Z'), now)), iso(now));
  });
  it('a site that never synced is due now; a disabled schedule never', () => {
    assert.equal(iso(nextDue({ kind: 'weekly', day: 'friday', at: '01:00' }, undefined, now)), iso(now));
    assert.equal(nextDue({ kind: 'none' }, undefined, now), undefined);
  });
});
