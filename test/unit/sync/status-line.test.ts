/**
 * The STATMSG lines of wsyncmgr.log, which admins' scripts parse, against the lines a real WSyncMgr
 * writes (../shared/reference/configmgr-sup.md, section 7). supsync writes TID as its PID: one thread.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGmtDate, statmsgLine } from '../../../src/sync/status.ts';

const EMPTY = Array.from({ length: 10 }, (_, i) => `ISTR${i}=""`).join(' ');

describe('STATMSG lines', () => {
  it('writes a failure (6703) as WSyncMgr does: source, message, and the error number in LE', () => {
    const line = statmsgLine({
      messageId: 6703,
      severity: 'E',
      system: 'CM1.corp.contoso.com',
      siteCode: 'CHQ',
      pid: 2836,
      at: new Date(Date.UTC(2024, 7, 2, 20, 54, 26, 571)),
      failure: {
        source: 'Microsoft.UpdateServices.Administration.AdminProxy.CreateUpdateServer',
        message: 'Request for principal permission failed',
        errorNumber: 0x8013150a,
      },
    });
    assert.equal(
      line,
      'STATMSG: ID=6703 SEV=E LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" SYS=CM1.corp.contoso.com ' +
        'SITE=CHQ PID=2836 TID=2836 GMTDATE=Fri Aug 02 20:54:26.571 2024 ' +
        'ISTR0="Microsoft.UpdateServices.Administration.AdminProxy.CreateUpdateServer" ' +
        'ISTR1="Request for principal permission failed" ISTR2="" ISTR3="" ISTR4="" ISTR5="" ISTR6="" ISTR7="" ' +
        'ISTR8="" ISTR9="" NUMATTRS=0 LE=0X8013150a',
    );
  });

  it('writes an informational message with empty insertion strings and no LE', () => {
    const line = statmsgLine({
      messageId: 6701,
      severity: 'I',
      system: 'sup.contoso.com',
      siteCode: 'CS1',
      pid: 432,
      at: new Date(Date.UTC(2014, 0, 16, 18, 53, 52, 608)),
    });
    assert.equal(
      line,
      'STATMSG: ID=6701 SEV=I LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" SYS=sup.contoso.com SITE=CS1 ' +
        `PID=432 TID=432 GMTDATE=Thu Jan 16 18:53:52.608 2014 ${EMPTY} NUMATTRS=0`,
    );
  });

  it('keeps a quote in a message from ending its insertion string, and pads small error numbers', () => {
    const line = statmsgLine({
      messageId: 6703,
      severity: 'E',
      system: 's',
      siteCode: 'CS1',
      pid: 1,
      at: new Date(0),
      failure: { source: 'UPSTREAM_HTTP', message: 'server said "no"', errorNumber: 0x57 },
    });
    assert.match(line, / ISTR1="server said 'no'" ISTR2="" /);
    assert.match(line, / LE=0X00000057$/);
  });

  it('writes GMTDATE with two-digit days and milliseconds, in UTC', () => {
    assert.equal(formatGmtDate(new Date(Date.UTC(2026, 11, 7, 9, 5, 3, 7))), 'Mon Dec 07 09:05:03.007 2026');
  });
});
