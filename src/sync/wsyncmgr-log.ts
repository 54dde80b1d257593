/**
 * wsyncmgr.log in CMTrace format, the log every ConfigMgr admin reads first when a sync misbehaves.
 * Lines look like ConfigMgr's own, so CMTrace / OneTrace / Support Center open and colour them.
 * The file is size-rotated the way ConfigMgr does it: when it passes the limit it becomes
 * `wsyncmgr.lo_` (one generation kept) and a new file starts.
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export const WSYNCMGR_COMPONENT = 'SMS_WSUS_SYNC_MANAGER';
/** ConfigMgr's default maximum log size. */
export const DEFAULT_MAX_LOG_BYTES = 2_621_440;

export type LogSeverity = 'info' | 'warning' | 'error';

/** Where sync log lines go. The engine depends on this, not on a file. */
export interface SyncLog {
  write(severity: LogSeverity, message: string): void;
}

const TYPE: Record<LogSeverity, number> = { info: 1, warning: 2, error: 3 };
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Formats one CMTrace line (UTC, so the time-zone bias is +000). */
export function formatCmtraceLine(
  at: Date,
  severity: LogSeverity,
  message: string,
  component = WSYNCMGR_COMPONENT,
  thread = process.pid,
): string {
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}+000`;
  const date = `${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}-${at.getUTCFullYear()}`;
  // "]LOG]!>" would end the message early in CMTrace; no real message contains it, but keep it safe.
  const text = message.replaceAll(']LOG]!>', '] LOG]!>');
  return `<![LOG[${text}]LOG]!><time="${time}" date="${date}" component="${component}" context="" type="${TYPE[severity]}" thread="${thread}" file="">\n`;
}

/** A CMTrace log file with ConfigMgr-style size rotation. */
export class CmtraceFileLog implements SyncLog {
  private size: number;
  /** Kept open between lines: a full sync writes one line per update. */
  private fd: number | undefined;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.size = fileSize(path);
  }

  write(severity: LogSeverity, message: string): void {
    const line = formatCmtraceLine(this.now(), severity, message);
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) {
      this.close();
      renameSync(this.path, this.path.replace(/\.log$/, '.lo_'));
      this.size = 0;
    }
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, line);
    this.size += bytes;
  }

  /** Releases the file; the next line opens it again. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Collects lines in memory (tests, and the API's live view of the current run). */
export class MemoryLog implements SyncLog {
  readonly lines: { severity: LogSeverity; message: string }[] = [];
  write(severity: LogSeverity, message: string): void {
    this.lines.push({ severity, message });
  }
}

/** Sends every line to all of `logs`. */
export function teeLog(...logs: SyncLog[]): SyncLog {
  return {
    write: (severity, message) => {
      for (const l of logs) l.write(severity, message);
    },
  };
}

/** One entry of a CMTrace log, as read back. */
export interface LogEntry {
  /** ISO 8601 UTC. */
  readonly time: string;
  readonly severity: LogSeverity;
  readonly component: string;
  readonly message: string;
}

const SEVERITY_OF_TYPE: Record<string, LogSeverity> = { 1: 'info', 2: 'warning', 3: 'error' };
// One entry; a message may run over several lines (a stack trace).
const ENTRY = new RegExp(
  String.raw`<!\[LOG\[(?<message>[\s\S]*?)\]LOG\]!>` +
    String.raw`<time="(?<h>\d\d):(?<m>\d\d):(?<s>\d\d)\.(?<ms>\d{1,3})(?<bias>[+-]\d+)" ` +
    String.raw`date="(?<month>\d\d)-(?<day>\d\d)-(?<year>\d{4})" component="(?<component>[^"]*)" ` +
    'context="[^"]*" type="(?<type>[123])"[^>]*>',
  'g',
);

/** The entries in `text`, oldest first; a cut first entry and lines of other shapes are passed over. */
function parseEntries(text: string): LogEntry[] {
  return [...text.matchAll(ENTRY)].map((match) => {
    const g = match.groups as Record<string, string>;
    // CMTrace writes local time and the bias in minutes: UTC = local + bias (ours is always +000).
    const local = Date.UTC(Number(g.year), Number(g.month) - 1, Number(g.day), Number(g.h), Number(g.m), Number(g.s));
    const utc = local + Number(g.ms?.padEnd(3, '0')) + Number(g.bias) * 60_000;
    return {
      time: new Date(utc).toISOString(),
      severity: SEVERITY_OF_TYPE[g.type ?? ''] ?? 'info',
      component: g.component ?? '',
      message: g.message ?? '',
    };
  });
}

/**
 * The last `count` entries of the CMTrace log at `path`, oldest first, taking the rotated
 * generation (`.lo_`) too when the current file holds fewer. Reads at most `maxBytes` of each, with
 * the promise API: the server answers GET /log with it and must not block while it reads.
 */
export async function readLogTail(path: string, count: number, maxBytes = DEFAULT_MAX_LOG_BYTES): Promise<LogEntry[]> {
  const current = await lastEntries(path, count, maxBytes);
  if (current.length >= count) return current.slice(-count);
  const rotated = await lastEntries(path.replace(/\.log$/, '.lo_'), count - current.length, maxBytes);
  return [...rotated, ...current].slice(-count);
}

/**
 * At least the last `count` entries of one file when it holds that many (none when there is no
 * file, or it was just rotated away), reading from its end in growing windows (a few hundred bytes
 * an entry), so a short tail of a full log stays cheap to read.
 */
async function lastEntries(path: string, count: number, maxBytes: number): Promise<LogEntry[]> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = (await file.stat()).size;
    const limit = Math.min(size, maxBytes);
    for (let bytes = Math.min(limit, count * 512); ; bytes = Math.min(limit, bytes * 4)) {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await file.read(buffer, 0, bytes, size - bytes);
      const entries = parseEntries(buffer.toString('utf8', 0, bytesRead));
      if (entries.length >= count || bytes >= limit) return entries;
    }
  } finally {
    await file.close();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** `0d00h03m53s`, as in "Sync time: 0d00h03m53s". */
export function formatSyncTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d}d${pad(h)}h${pad(m)}m${pad(s % 60)}s`;
}
