import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CmtraceFileLog, formatCmtraceLine, formatSyncTime, readLogTail } from '../../../src/sync/wsyncmgr-log.ts';

describe('wsyncmgr.log', () => {
  it('writes CMTrace lines with component SMS_WSUS_SYNC_MANAGER, UTC time and the severity type', () => {
    const line = formatCmtraceLine(
      new Date('2026-11-24T05:06:07.089Z'),
      'error',
      'Sync failed. Will retry in 60 minutes',
      undefined,
      42,
    );
    assert.equal(
      line,
      '<![LOG[Sync failed. Will retry in 60 minutes]LOG]!><time="05:06:07.089+000" date="11-24-2026" component="SMS_WSUS_SYNC_MANAGER" context="" type="3" thread="42" file="">\n',
    );
  });
  it('formats sync time like ConfigMgr', () => {
    assert.equal(formatSyncTime(233_000), '0d00h03m53s');
    assert.equal(formatSyncTime(90_061_000), '1d01h01m01s');
  });
  it('rotates to wsyncmgr.lo_ when the size limit is passed; the two files hold the newest lines without a gap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'supsync-log-'));
    const path = join(dir, 'wsyncmgr.log');
    const log = new CmtraceFileLog(path, () => new Date('2026-11-24T00:00:00Z'), 2000);
    for (let i = 0; i < 30; i++) log.write('info', `line ${i}`);
    assert.ok(existsSync(join(dir, 'wsyncmgr.lo_')));
    const current = readFileSync(path, 'utf8');
    assert.ok(Buffer.byteLength(current) <= 2000);
    assert.match(current, /line 29\]LOG\]!>/);
    const numbers = (text: string) => [...text.matchAll(/line (\d+)\]/g)].map((m) => Number(m[1]));
    const older = numbers(readFileSync(join(dir, 'wsyncmgr.lo_'), 'utf8'));
    const newer = numbers(current);
    assert.equal((older.at(-1) ?? -1) + 1, newer[0]);
    assert.equal(newer.at(-1), 29);
  });
});

describe('reading wsyncmgr.log back', () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'supsync-log-')), 'wsyncmgr.log');

  it('gives the last entries, oldest first, with UTC time, severity, component and message', async () => {
    const path = fresh();
    let t = Date.parse('2026-11-24T05:06:07.089Z');
    const log = new CmtraceFileLog(path, () => {
      t += 1000;
      return new Date(t);
    });
    log.write('info', 'Starting Sync');
    log.write('warning', 'Child site PS2 refused the sync notification');
    log.write('error', 'Sync failed: upstream unreachable. Source: UPSTREAM_HTTP');
    log.close();
    assert.deepEqual(await readLogTail(path, 2), [
      {
        time: '2026-11-24T05:06:09.089Z',
        severity: 'warning',
        component: 'SMS_WSUS_SYNC_MANAGER',
        message: 'Child site PS2 refused the sync notification',
      },
      {
        time: '2026-11-24T05:06:10.089Z',
        severity: 'error',
        component: 'SMS_WSUS_SYNC_MANAGER',
        message: 'Sync failed: upstream unreachable. Source: UPSTREAM_HTTP',
      },
    ]);
    assert.equal((await readLogTail(path, 10)).length, 3);
  });

  it('keeps a message of several lines whole, and reads a ConfigMgr line with its time-zone bias', async () => {
    const path = fresh();
    const log = new CmtraceFileLog(path, () => new Date('2026-11-24T00:00:00Z'));
    log.write('error', 'API GET /x failed: Error: boom\n    at a (b.ts:1:2)');
    log.close();
    writeFileSync(
      path,
      '<![LOG[Sync succeeded. Setting sync alert to canceled state on site CS1]LOG]!><time="11:08:29.741+480" date="11-23-2026" component="SMS_WSUS_SYNC_MANAGER" context="" type="1" thread="5844" file="wsyncmgr.cpp:1234">\n',
      { flag: 'a' },
    );
    const [stack, configMgr] = await readLogTail(path, 5);
    assert.equal(stack?.message, 'API GET /x failed: Error: boom\n    at a (b.ts:1:2)');
    assert.equal(configMgr?.time, '2026-11-23T19:08:29.741Z', 'local time + 480 minutes');
    assert.equal(configMgr?.message, 'Sync succeeded. Setting sync alert to canceled state on site CS1');
  });

  it('reaches into wsyncmgr.lo_ after a rotation, passes over a cut first entry, and is empty without a file', async () => {
    const path = fresh();
    const log = new CmtraceFileLog(path, () => new Date('2026-11-24T00:00:00Z'), 2000);
    for (let i = 0; i < 30; i++) log.write('info', `line ${i}`);
    log.close();
    // Each file holds ~13 of these entries; one rotated generation is kept.
    const inCurrent = readFileSync(path, 'utf8').split('<![LOG[').length - 1;
    const tail = (await readLogTail(path, 25)).map((e) => e.message);
    assert.ok(tail.length > inCurrent, `${tail.length} entries, ${inCurrent} of them in the current file`);
    const first = 30 - tail.length;
    assert.deepEqual(
      tail,
      Array.from({ length: tail.length }, (_, i) => `line ${first + i}`),
    );
    assert.deepEqual(
      (await readLogTail(path, 3)).map((e) => e.message),
      ['line 27', 'line 28', 'line 29'],
    );
    // Reading only the last 300 bytes starts inside an entry: that entry is left out, not garbled.
    const cut = await readLogTail(path, 30, 300);
    assert.ok(cut.length > 0 && cut.every((e) => /^line \d+$/.test(e.message)));
    assert.equal(cut.at(-1)?.message, 'line 29');
    assert.deepEqual(await readLogTail(join(path, '..', 'none.log'), 10), []);
  });
});
