/**
 * The composition root: the only module that wires adapters (the SQLite store, the MS-WSUSSS
 * HTTP client, Fastify) to the core. Everything else receives its dependencies.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { AlertWebhook } from './api/alert-webhook.ts';
import type { ApiOptions, SyncEventSource } from './api/api-context.ts';
import { registerOpenApi, registerOpenApiDocs } from './api/openapi.ts';
import { registerApi } from './api/register-api.ts';
import { checkUpstream, type UpstreamCheck } from './api/upstream-check.ts';
import { registerWsusssRoutes } from './api/wsusss-routes.ts';
import type { SchedulerClock } from './scheduler/scheduler-clock.ts';
import { SyncScheduler } from './scheduler/sync-scheduler.ts';
import { SupsyncError } from './shared/errors.ts';
import type { SupSettings } from './site/settings.ts';
import type { SiteStore } from './store/site-store.ts';
import { openSqliteSiteStore } from './store/sqlite/sqlite-site-store.ts';
import { SyncCoordinator } from './sync/coordinator.ts';
import { SyncEngine, type SyncEvent } from './sync/engine.ts';
import { wsusssSource } from './sync/wsusss-source.ts';
import { CmtraceFileLog, type SyncLog, teeLog } from './sync/wsyncmgr-log.ts';
import { UpstreamServer } from './wsusss/server.ts';

export interface SiteOptions {
  /** Path of the site database (SQLite file). */
  readonly db: string;
  /** Refuse a path where no database exists yet (every command but init and catalog generate). */
  readonly mustExist?: boolean;
  /** Folder for wsyncmgr.log. Default: `logs/` beside the database. */
  readonly logDir?: string;
  readonly now?: () => Date;
  readonly onSyncEvent?: (event: SyncEvent) => void;
  /** Extra sinks for sync log lines (e.g. the terminal). */
  readonly extraLog?: SyncLog;
  readonly maxConsecutiveFailures?: number;
}

/** A site opened for work: its store, sync engine and coordinator. */
export interface Site {
  readonly store: SiteStore;
  readonly engine: SyncEngine;
  readonly coordinator: SyncCoordinator;
  readonly logPath: string;
  /** wsyncmgr.log (and the extra sink, if any): the scheduler and the service log here too. */
  readonly log: SyncLog;
  /** The engine's events, fanned out to any number of listeners (API, scheduler, webhook). */
  readonly events: SyncEventSource;
  close(): Promise<void>;
}

/**
 * Opens the store at `db`, creating the file and schema if needed — unless `mustExist`, for the
 * commands that work on an existing site: a mistyped path must not leave an empty database behind.
 */
export function openStore(db: string, options: { readonly mustExist?: boolean } = {}): SiteStore {
  const path = resolve(db);
  if (options.mustExist === true && !existsSync(path)) {
    throw new SupsyncError('STORE_NOT_INITIALIZED', `no site database at ${path}; create one with supsync init`);
  }
  return openSqliteSiteStore(path);
}

/** Opens a site: store, wsyncmgr.log, engine and coordinator. */
export function openSite(options: SiteOptions): Site {
  const store = openStore(options.db, { mustExist: options.mustExist === true });
  const logPath = join(options.logDir ?? join(dirname(resolve(options.db)), 'logs'), 'wsyncmgr.log');
  const fileLog = new CmtraceFileLog(logPath, options.now);
  const log = options.extraLog === undefined ? fileLog : teeLog(fileLog, options.extraLog);
  const listeners = new Set<(event: SyncEvent) => void>();
  const onEvent = (event: SyncEvent) => {
    options.onSyncEvent?.(event);
    for (const listener of listeners) listener(event);
  };
  const engine = new SyncEngine({
    store,
    log,
    sourceFor: (settings: SupSettings) =>
      wsusssSource({
        upstreamUrl: settings.upstreamUrl,
        ...(settings.upstreamCaFile === undefined ? {} : { caFile: settings.upstreamCaFile }),
        accountName: `${settings.supName}.${settings.siteCode.toLowerCase()}.supsync`,
      }),
    ...(options.now === undefined ? {} : { now: options.now }),
    onEvent,
    ...(options.maxConsecutiveFailures === undefined ? {} : { maxConsecutiveFailures: options.maxConsecutiveFailures }),
  });
  const coordinator = new SyncCoordinator(store, engine, options.now);
  return {
    store,
    engine,
    coordinator,
    logPath,
    log,
    events: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    close: async () => {
      await coordinator.shutdown();
      await store.close();
      fileLog.close();
    },
  };
}

export interface HttpServerOptions {
  readonly site: Site;
  readonly now?: () => Date;
  /**
   * Run the sync scheduler while the server is up (`supsync serve`). Off by default: servers built
   * for tests and tools must not start syncs on their own.
   */
  readonly startScheduler?: boolean;
  /** The scheduler's clock (tests drive time by hand). */
  readonly schedulerClock?: SchedulerClock;
  readonly api?: ApiOptions;
  /** Replaces the upstream connection check of POST /api/v1/upstream/test (tests). */
  readonly testUpstream?: () => Promise<UpstreamCheck>;
}

/**
 * Builds (without listening) the site's HTTP server: the REST API under /api/v1 with its OpenAPI
 * document and docs, /health and /metrics, and the MS-WSUSSS endpoints for child sites. With
 * `startScheduler`, the sync scheduler starts when the server is ready and stops when it closes.
 */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { site } = options;
  const settings = await site.store.getSettings();
  if (settings === undefined)
    throw new SupsyncError('STORE_NOT_INITIALIZED', 'the database holds no site; run supsync init first');
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { caseSensitive: false, ignoreDuplicateSlashes: true },
    // Unknown query or body fields are refused (INPUT_INVALID), not silently dropped: a misspelt
    // filter must not quietly widen a query.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const upstream = new UpstreamServer({
    store: site.store,
    secret: randomBytes(32),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const scheduler =
    options.startScheduler === true
      ? new SyncScheduler({
          store: site.store,
          coordinator: site.coordinator,
          log: site.log,
          ...(options.schedulerClock === undefined ? {} : { clock: options.schedulerClock }),
        })
      : undefined;
  const webhook = new AlertWebhook({
    settings: () => site.store.getSettings(),
    now,
    log: (level, message) => site.log.write(level, message),
  });
  const unsubscribe = site.events.subscribe((event) => {
    webhook.onEvent(event);
    if (event.kind === 'finished') void scheduler?.runFinished().catch(() => undefined);
  });

  await registerOpenApi(app, '0.1.0');
  await registerApi(app, {
    store: site.store,
    coordinator: site.coordinator,
    engine: site.engine,
    now,
    events: site.events,
    testUpstream:
      options.testUpstream ??
      (async () =>
        checkUpstream(
          (await site.store.getSettings()) ?? settings,
          options.now === undefined ? {} : { now: options.now },
        )),
    ...(scheduler === undefined ? {} : { scheduler }),
    options: {
      onInternalError: (err, request) =>
        site.log.write(
          'error',
          `API ${request.method} ${request.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        ),
      ...options.api,
    },
  });
  registerWsusssRoutes(app, upstream);
  await registerOpenApiDocs(app);
  app.addHook('onReady', async () => {
    await scheduler?.start();
  });
  app.addHook('onClose', async () => {
    scheduler?.stop();
    unsubscribe();
    await webhook.idle();
  });
  return app;
}
