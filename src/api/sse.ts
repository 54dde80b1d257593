/**
 * Server-sent event streams of sync runs. Each stream subscribes before it reads the run, so an
 * event between the read and the subscription is never lost; it ends after `finished`. Progress is
 * thinned to a few events a second (the engine reports every batch), keeping the last of a phase.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { SiteStore } from '../store/site-store.ts';
import type { RunEvent, RunEventHub } from './run-events.ts';

const PROGRESS_EVERY_MS = 250;
const KEEPALIVE_MS = 15_000;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** One SSE message. Data is one line of JSON, so it never needs splitting. */
export function formatSse(event: string, id: number, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The open run streams of one server, so shutdown can end them (open streams would hold close()). */
export class RunStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly hub: RunEventHub,
    private readonly store: Pick<SiteStore, 'getRun'>,
  ) {}

  /** Answers `reply` with the event stream of run `runId`. */
  async stream(reply: FastifyReply, runId: number): Promise<FastifyReply> {
    const out = new PassThrough();
    let seq = 0;
    const send = (event: string, data: unknown) => out.write(formatSse(event, ++seq, data));
    let lastProgress = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(keepalive);
      this.open.delete(end);
      out.end();
    };
    const unsubscribe = this.hub.subscribe(runId, (e: RunEvent) => {
      if (e.kind === 'progress') {
        const t = Date.now();
        if (t - lastProgress < PROGRESS_EVERY_MS && e.done !== e.total) return;
        lastProgress = t;
        send('progress', { runId: e.runId, phase: e.phase, done: e.done, total: e.total, etaSeconds: e.etaSeconds });
      } else if (e.kind === 'finished') {
        send('finished', e.run);
        end();
      } else send(e.kind, e);
    });
    const keepalive = setInterval(() => out.write(': keep-alive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    this.open.add(end);
    // The response's close (not the request's, which fires once the request is read) means the client left.
    reply.raw.once('close', end);

    const run = this.hub.finishedRun(runId) ?? (await this.store.getRun(runId));
    if (run !== undefined && TERMINAL.has(run.state)) {
      send('finished', run);
      end();
    } else if (run !== undefined) send('run', this.hub.view(run));
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .header('x-accel-buffering', 'no')
      .type('text/event-stream; charset=utf-8')
      .send(out);
  }

  /** Ends every open stream (server shutdown). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
