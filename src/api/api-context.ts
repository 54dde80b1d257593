/**
 * What the API needs from the rest of the site, passed in by the composition root (src/app.ts), and
 * the per-app state the route modules share.
 */
import type { FastifyRequest } from 'fastify';
import type { SiteStore } from '../store/site-store.ts';
import type { SyncCoordinator } from '../sync/coordinator.ts';
import type { SyncEngine, SyncEvent } from '../sync/engine.ts';
import type { TokenAuthenticator } from './auth.ts';
import type { SyncMetrics } from './metrics.ts';
import type { RunEventHub } from './run-events.ts';
import type { RunStreams } from './sse.ts';
import type { UpstreamCheck } from './upstream-check.ts';

/** A fan-out of the engine's events. */
export interface SyncEventSource {
  /** Calls `listener` with every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: SyncEvent) => void): () => void;
}

/** What the API shows of the scheduler and tells it. */
export interface ScheduleControl {
  /** When the scheduler will next trigger a sync (schedule or retry), if ever. */
  nextRun(): Date | undefined;
  /** The settings changed (PATCH /settings): recompute the next run. */
  settingsChanged(): Promise<void>;
}

export interface ApiOptions {
  /** Require a read token for GET /metrics (default: open, as Prometheus scrapers expect). */
  readonly protectMetrics?: boolean;
  /** Require a read token for GET /health (default: open, for load balancers). */
  readonly protectHealth?: boolean;
  /** Called with errors that become a 500, for the server log (the client sees a generic message). */
  readonly onInternalError?: (err: unknown, request: FastifyRequest) => void;
}

/** Dependencies of `registerApi`. */
export interface ApiDeps {
  readonly store: SiteStore;
  readonly coordinator: Pick<SyncCoordinator, 'request' | 'snapshot' | 'cancel'>;
  readonly engine: Pick<SyncEngine, 'plan'>;
  readonly now: () => Date;
  readonly events: SyncEventSource;
  /** The connection check of POST /upstream/test against the configured upstream. */
  readonly testUpstream: () => Promise<UpstreamCheck>;
  /** The site's wsyncmgr.log, which GET /log reads back. */
  readonly logPath: string;
  /** Absent when no scheduler runs in this process (NextScheduledSync is then null). */
  readonly scheduler?: ScheduleControl;
  readonly options?: ApiOptions;
}

/** The dependencies plus the state the route modules share. */
export interface ApiContext extends ApiDeps {
  readonly auth: TokenAuthenticator;
  readonly hub: RunEventHub;
  readonly metrics: SyncMetrics;
  readonly streams: RunStreams;
}
