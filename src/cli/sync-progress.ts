/**
 * Showing a sync to a person: a progress bar per phase in a terminal, plain lines otherwise, the
 * finished run's counts, and the status report of `supsync status`.
 */
import { SingleBar } from 'cli-progress';
import type { StatusMessage, SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent } from '../sync/engine.ts';
import { type Io, tenthsPrinter } from './output.ts';

/** A terminal progress bar per phase, or plain lines when stdout is not a terminal. */
export function progressPrinter(io: Io): { onEvent: (e: SyncEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  // Without a terminal: a line each time another tenth of the phase is done; a new count per phase.
  let phase = '';
  const phaseLines = () =>
    tenthsPrinter(io, (done, total, pct) => `${phase}: processed ${done} out of ${total} items (${pct}%)\n`);
  let lines = phaseLines();
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (e: SyncEvent) => {
    if (e.kind === 'started') io.out(`${e.syncKind} sync (#${e.runId}): ${e.reason}\n`);
    else if (e.kind === 'phase') {
      stop();
      lines = phaseLines();
      if (e.phase === 'connecting') io.out('connecting to the upstream...\n');
      else if (e.phase === 'site-database') io.out('applying supersedence, expiry and cleanup...\n');
      else if (io.isTty && e.total > 0) {
        bar = new SingleBar({
          format: `${e.phase.padEnd(10)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
        });
        bar.start(e.total, 0);
      } else io.out(`${e.phase}: ${e.total} to download\n`);
    } else if (e.kind === 'progress') {
      if (bar !== undefined) {
        bar.setTotal(e.total);
        bar.update(e.done);
      } else {
        phase = e.phase;
        lines(e.done, e.total);
      }
    } else if (e.kind === 'finished') stop();
  };
  return { onEvent, stop };
}

export function printRun(io: Io, run: SyncRunRecord, logPath: string): void {
  io.out(`\nsync #${run.id} ${run.state}: ${run.kind} (${run.reason})\n`);
  for (const [name, c] of [
    ['categories', run.categories],
    ['updates', run.updates],
  ] as const) {
    if (c === undefined) continue;
    io.out(
      `  ${name.padEnd(10)} listed ${c.listed}, downloaded ${c.downloaded}, repaired ${c.repaired}, expired ${c.expired}, removed ${c.removed}, failed ${c.failed}\n`,
    );
  }
  if (run.errorCode !== undefined) io.out(`  error ${run.errorCode}: ${run.errorMessage ?? ''}\n`);
  if (run.catalogVersion !== undefined) io.out(`  catalog version ${run.catalogVersion}\n`);
  io.out(`  log: ${logPath}\n`);
}

/** What `supsync status` shows, read from a local site or a running one. */
export interface StatusReport {
  /** SMS_SUPSyncStatus rows. */
  readonly statuses: readonly object[];
  readonly runs: readonly SyncRunRecord[];
  /** With `--messages`: the sync manager's latest status messages, newest first. */
  readonly messages?: readonly StatusMessage[];
}

/** `supsync status --json` for one SUP: its SMS_SUPSyncStatus fields, the last run, the messages if asked. */
export function statusJson(status: object, report: Omit<StatusReport, 'statuses'>): object {
  return {
    ...status,
    LastRun: report.runs.find((r) => r.state !== 'queued') ?? null,
    ...(report.messages === undefined ? {} : { StatusMessages: report.messages }),
  };
}

/** `supsync status` as text: the status fields, the recent runs and, if asked, the status messages. */
export function printStatusReport(io: Io, report: StatusReport): void {
  for (const status of report.statuses)
    for (const [k, v] of Object.entries(status))
      io.out(`${k.padEnd(24)} ${v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v}\n`);
  io.out('\nRecent runs:\n');
  for (const r of report.runs)
    io.out(`  #${r.id} ${r.state.padEnd(9)} ${r.kind.padEnd(5)} ${r.startedAt ?? r.queuedAt}  ${r.reason}\n`);
  if (report.messages === undefined) return;
  io.out('\nStatus messages (SMS_WSUS_SYNC_MANAGER):\n');
  for (const m of report.messages) io.out(`  ${m.time}  ${m.severity}  ${m.messageId}  ${m.text}\n`);
}
