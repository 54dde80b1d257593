/**
 * `supsync sync --server` and `supsync status --server`: the same commands against a running
 * site. A sync is requested with POST /sync (SyncNow) and followed through its event stream, with
 * the same progress output as a local sync; `sync --cancel` stops one (POST /runs/{id}/cancel).
 */

import { SupsyncError } from '../shared/errors.ts';
import type { StatusMessage, SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent } from '../sync/engine.ts';
import type { SupSyncStatus } from '../sync/status.ts';
import type { CommandContext } from './command-kit.ts';
import { type Io, printJson } from './output.ts';
import type { RemoteClient } from './remote-client.ts';
import { printStatusReport, statusJson } from './sync-progress.ts';

interface SyncAnswer {
  readonly runId: number;
  readonly kind: string;
  readonly state: string;
  readonly coalesced: boolean;
}

/** The stream's events as the engine's, so the local progress printer can show them. */
function toSyncEvent(event: string, data: unknown): SyncEvent | undefined {
  const d = data as Record<string, unknown>;
  if (event === 'started' || event === 'phase') return data as SyncEvent;
  if (event === 'progress') return { kind: 'progress', ...d } as SyncEvent;
  // The stream's `finished` carries the run only; what reads these events here needs no more.
  if (event === 'finished') return { kind: 'finished', run: data as SyncRunRecord, catalogVersionChanged: false };
  return undefined;
}

export interface RemoteSyncOptions {
  readonly full: boolean;
  readonly json: boolean;
  readonly wait: boolean;
  readonly progress: (io: Io) => { onEvent: (e: SyncEvent) => void; stop: () => void };
  readonly printRun: (io: Io, run: SyncRunRecord, logPath: string) => void;
}

/** Requests a sync on the server and, unless told not to wait, follows it to the end. */
export async function remoteSync(ctx: CommandContext, client: RemoteClient, o: RemoteSyncOptions): Promise<number> {
  const answer = await client.send<SyncAnswer>('POST', '/api/v1/sync', { full: o.full });
  if (!o.json) {
    ctx.io.out(
      `sync #${answer.runId} ${answer.coalesced ? 'joined the queued run' : answer.state} (${answer.kind}) on ${client.server}\n`,
    );
  }
  if (!o.wait) {
    if (o.json) printJson(ctx.io, answer);
    return 0;
  }
  const progress = o.json ? undefined : o.progress(ctx.io);
  let finished: SyncRunRecord | undefined;
  try {
    await client.events(`/api/v1/runs/${answer.runId}/events`, (event, data) => {
      const e = toSyncEvent(event, data);
      if (e === undefined) return;
      if (e.kind === 'finished') finished = e.run;
      progress?.onEvent(e);
    });
  } finally {
    progress?.stop();
  }
  // A stream that ended early (the server stopping) leaves the run's state to ask for.
  const run = finished ?? (await client.get<SyncRunRecord>(`/api/v1/runs/${answer.runId}`));
  if (o.json) printJson(ctx.io, run);
  else o.printRun(ctx.io, run, `wsyncmgr.log on ${client.server}`);
  return run.state === 'succeeded' ? 0 : 1;
}

/** SMS_SUPSyncStatus and recent runs from the server. */
export async function remoteStatus(
  ctx: CommandContext,
  client: RemoteClient,
  json: boolean,
  messages: number | undefined,
): Promise<number> {
  const [rows, runs, statusMessages] = await Promise.all([
    client.get<(SupSyncStatus & { Running: unknown })[]>('/api/v1/status'),
    client.get<{ items: SyncRunRecord[] }>('/api/v1/runs', { limit: 10 }),
    messages === undefined
      ? undefined
      : client.get<{ items: StatusMessage[] }>('/api/v1/status-messages', { limit: messages }),
  ]);
  const report = { runs: runs.items, ...(statusMessages === undefined ? {} : { messages: statusMessages.items }) };
  if (json) printJson(ctx.io, rows.length === 1 ? statusJson(rows[0] as object, report) : rows);
  else printStatusReport(ctx.io, { statuses: rows, ...report });
  return 0;
}

/**
 * Stops run `runId` on the server, or when none is named the sync it is running (else the one it
 * has queued), and says what became of it: cancelled, or stopping at its next safe point.
 */
export async function remoteCancel(
  ctx: CommandContext,
  client: RemoteClient,
  runId: number | undefined,
  json: boolean,
): Promise<number> {
  let id = runId;
  if (id === undefined) {
    const [status] = await client.get<(SupSyncStatus & { Running: { runId: number } | null })[]>('/api/v1/status');
    id = status?.Running?.runId ?? status?.Queued?.runId;
    if (id === undefined) throw new SupsyncError('SYNC_NOT_ACTIVE', `no sync is running or queued on ${client.server}`);
  }
  const run = await client.send<SyncRunRecord>('POST', `/api/v1/runs/${id}/cancel`);
  if (json) printJson(ctx.io, run);
  else ctx.io.out(`sync #${run.id} ${run.state === 'cancelled' ? 'cancelled' : 'stops at its next safe point'}\n`);
  return 0;
}
