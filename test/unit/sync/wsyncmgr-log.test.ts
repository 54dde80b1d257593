import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CmtraceFileLog, formatCmtraceLine, formatSyncTime } from '../../../src/sync/wsyncmgr-log.ts';

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
