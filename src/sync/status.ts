/**
 * ConfigMgr's sync-status vocabulary: SMS_WSUS_SYNC_MANAGER status message ids and the
 * SMS_SUPSyncStatus fields, so admins and their scripts (which poll for 6702 / 6703) feel at home.
 */
import type { ErrorCode } from '../shared/errors.ts';
import { requireSettings, type SiteStore, type StatusMessage, type SyncRunRecord } from '../store/site-store.ts';

export const STATUS = {
  STARTED: 6701,
  DONE: 6702,
  FAILED: 6703,
  SYNCING_UPSTREAM: 6704,
  SYNCING_SITE_DB: 6705,
} as const;

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  6701: 'WSUS Synchronization started.',
  6702: 'WSUS Synchronization done.',
  6703: 'WSUS Synchronization failed.',
  6704: 'WSUS Synchronization in progress. Current phase: Synchronizing WSUS Server.',
  6705: 'WSUS Synchronization in progress. Current phase: Synchronizing site database.',
};

/**
 * LastSyncErrorCode is a UInt32 in ConfigMgr (an HRESULT). supsync reports stable values per error
 * code so scripts can compare numbers; 0 means success. The table is append-only.
 */
const ERROR_NUMBERS: Partial<Record<ErrorCode, number>> = {
  UPSTREAM_UNREACHABLE: 0x80072ee7,
  UPSTREAM_TIMEOUT: 0x80072ee2,
  UPSTREAM_HTTP: 0x80244016,
  WSUSSS_FAULT: 0x80244022,
  SOAP_MALFORMED: 0x80244010,
  XML_MALFORMED: 0x80244010,
  XML_DTD_FORBIDDEN: 0x80244010,
  CAB_CORRUPT: 0x8024000f,
  CAB_UNSUPPORTED: 0x8024000f,
  SYNC_TOO_MANY_FAILURES: 0x8024000b,
  ABORTED: 0x800704c7,
  STORE_IO: 0x80070570,
  EXPORT_PACKAGE_INVALID: 0x80070570,
  CONFIG_INVALID: 0x80070057,
  CONFIG_UNKNOWN_CATEGORY: 0x80070057,
};

/** The numeric LastSyncErrorCode for a supsync error code (E_FAIL for the rest). */
export function errorNumber(code: string | undefined): number {
  if (code === undefined) return 0;
  return ERROR_NUMBERS[code as ErrorCode] ?? 0x80004005;
}

/** What a 6703 line carries about the failure: its source (ISTR0), message (ISTR1) and error number (LE). */
export interface StatusFailure {
  readonly source: string;
  readonly message: string;
  readonly errorNumber: number;
}

export interface StatmsgFields {
  readonly messageId: number;
  readonly severity: 'I' | 'W' | 'E';
  /** The SUP's server name (SYS) and site code (SITE). */
  readonly system: string;
  readonly siteCode: string;
  readonly pid: number;
  readonly at: Date;
  readonly failure?: StatusFailure;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** GMTDATE as status message lines write it: `Thu Jan 16 18:53:52.608 2014`. */
export function formatGmtDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const ms = String(d.getUTCMilliseconds()).padStart(3, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time}.${ms} ${d.getUTCFullYear()}`;
}

/**
 * The STATMSG line WSyncMgr writes to wsyncmgr.log for a status message, which scripts parse: the
 * ten insertion strings, empty for informational messages; for a failure ISTR0 is its source, ISTR1
 * its message, and `LE=` ends the line with the error number in hex (`LE=0X80072ee7`). A double
 * quote inside an insertion string becomes a single one, so the line still splits on them.
 */
export function statmsgLine(f: StatmsgFields): string {
  const strings = [f.failure?.source ?? '', f.failure?.message ?? ''];
  const istr = Array.from({ length: 10 }, (_, i) => `ISTR${i}="${(strings[i] ?? '').replaceAll('"', "'")}"`);
  const le = f.failure === undefined ? '' : ` LE=0X${f.failure.errorNumber.toString(16).padStart(8, '0')}`;
  return (
    `STATMSG: ID=${f.messageId} SEV=${f.severity} LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" ` +
    `SYS=${f.system} SITE=${f.siteCode} PID=${f.pid} TID=${f.pid} GMTDATE=${formatGmtDate(f.at)} ` +
    `${istr.join(' ')} NUMATTRS=0${le}`
  );
}

/** One row of SMS_SUPSyncStatus, plus what supsync knows about the last and next runs. */
export interface SupSyncStatus {
  readonly SiteCode: string;
  readonly WSUSServerName: string;
  readonly WSUSSourceServer: string;
  readonly LastSyncState: number | null;
  readonly LastSyncStateTime: string | null;
  readonly LastSyncErrorCode: number;
  readonly LastSyncErrorName: string | null;
  readonly LastSyncErrorMessage: string | null;
  readonly LastSuccessfulSyncTime: string | null;
  readonly SyncCatalogVersion: number;
  readonly ReplicationLinkStatus: 0 | 1 | 2;
  readonly LastSyncKind: string | null;
  readonly LastSyncReason: string | null;
  readonly LastRunId: number | null;
  readonly Queued: { readonly runId: number; readonly kind: string } | null;
  readonly NextScheduledSync: string | null;
}

/** Reads SMS_SUPSyncStatus for this site's SUP from the store. */
export async function readSupSyncStatus(
  store: SiteStore,
  nextScheduledSync: string | null = null,
): Promise<SupSyncStatus> {
  const settings = await requireSettings(store);
  const [messages, runs, version, state] = await Promise.all([
    store.listStatusMessages(1),
    store.listRuns(20),
    store.getCatalogVersion(),
    store.getSyncState(settings.upstreamUrl),
  ]);
  const last: StatusMessage | undefined = messages[0];
  // Runs that never started (a queued run dropped at shutdown, a request refused because another
  // process was synchronizing) say nothing about the last sync.
  const started = runs.filter((r) => r.startedAt !== undefined);
  const finished = started.find((r) => r.state === 'succeeded' || r.state === 'failed' || r.state === 'cancelled');
  const lastRun: SyncRunRecord | undefined = started[0];
  const queued = runs.find((r) => r.state === 'queued');
  const failed = finished !== undefined && finished.state !== 'succeeded';
  return {
    SiteCode: settings.siteCode,
    WSUSServerName: settings.supName,
    WSUSSourceServer: settings.upstreamUrl,
    LastSyncState: last?.messageId ?? null,
    LastSyncStateTime: last?.time ?? null,
    LastSyncErrorCode: failed ? errorNumber(finished.errorCode) : 0,
    LastSyncErrorName: failed ? (finished.errorCode ?? null) : null,
    LastSyncErrorMessage: failed ? (finished.errorMessage ?? null) : null,
    LastSuccessfulSyncTime: state?.lastSuccessAt ?? null,
    SyncCatalogVersion: version,
    ReplicationLinkStatus: failed ? 2 : 0,
    LastSyncKind: lastRun?.kind ?? null,
    LastSyncReason: lastRun?.reason ?? null,
    LastRunId: lastRun?.id ?? null,
    Queued: queued === undefined ? null : { runId: queued.id, kind: queued.kind },
    NextScheduledSync: nextScheduledSync,
  };
}
