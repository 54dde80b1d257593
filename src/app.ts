/**
 * The composition root: the only module that wires adapters (the SQLite store, the MS-WSUSSS
 * HTTP client) to the core. Everything else receives its dependencies. The HTTP side (Fastify, the
 * API, the scheduler) is wired in app-http.ts, so commands that only sync never load it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SyncEventSource } from './api/api-context.ts';
import { SupsyncError } from './shared/errors.ts';
import type { SupSettings } from './site/settings.ts';
import { isPostgresUrl, redactUrl } from './store/postgres/pg-driver.ts';
import { openPgSiteStore } from './store/postgres/pg-site-store.ts';
import type { SiteStore } from './store/site-store.ts';
import { openSqliteSiteStore } from './store/sqlite/sqlite-site-store.ts';
import { openThreadedSiteStore } from './store/sqlite/threaded-site-store.ts';
import { ChildNotifier } from './sync/child-sites.ts';
import { SyncCoordinator } from './sync/coordinator.ts';
import { SyncEngine, type SyncEvent } from './sync/engine.ts';
import { wsusssSource } from './sync/wsusss-source.ts';
import { CmtraceFileLog, type SyncLog, teeLog } from './sync/wsyncmgr-log.ts';

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
  /**
   * Run the store on a worker thread (store/sqlite/threaded-site-store.ts): syncs write there, the
   * API reads committed data on this thread, so a long write never stops the process answering.
   * For long-running servers; one-shot commands keep the store on their own thread.
   */
  readonly storeThread?: boolean;
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
  /**
   * Resolves when every child notification started so far has been sent (or has failed) and its
   * result is recorded. A sync's notifications start before the sync's run is reported finished.
   */
  childNotificationsSettled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the store at `db`, creating the file and schema if needed — unless `mustExist`, for the
 * commands that work on an existing site: a mistyped path must not leave an empty database behind.
 */
export async function openStore(db: string, options: { readonly mustExist?: boolean } = {}): Promise<SiteStore> {
  if (isPostgresUrl(db)) return openPostgresSite(db, options.mustExist === true);
  return openSqliteSiteStore(sitePath(db, options.mustExist === true));
}

/**
 * A site on PostgreSQL (`postgres://…/db?schema=name`). With `mustExist`, a schema that holds no
 * site is refused as a missing SQLite file is: one that does not exist is not created.
 */
async function openPostgresSite(url: string, mustExist: boolean): Promise<SiteStore> {
  const store = await openPgSiteStore(url, { mustExist });
  if (mustExist && (await store.getSettings()) === undefined) {
    await store.close();
    throw new SupsyncError('STORE_NOT_INITIALIZED', `no site in ${redactUrl(url)}; create one with supsync init`);
  }
  return store;
}

function sitePath(db: string, mustExist: boolean): string {
  const path = resolve(db);
  if (mustExist && !existsSync(path)) {
    throw new SupsyncError('STORE_NOT_INITIALIZED', `no site database at ${path}; create one with supsync init`);
  }
  return path;
}

/**
 * The store of a site: on this thread, or on a worker thread with the sync's calls (`engine`) all
 * made there and everyone else's reads (`site`) answered here.
 */
async function openSiteStore(options: SiteOptions): Promise<{ site: SiteStore; engine: SiteStore }> {
  // PostgreSQL does its work in the server's processes: the calling thread only waits on sockets.
  if (options.storeThread !== true || isPostgresUrl(options.db)) {
    const store = await openStore(options.db, { mustExist: options.mustExist === true });
    return { site: store, engine: store };
  }
  const threaded = openThreadedSiteStore(sitePath(options.db, options.mustExist === true));
  return { site: threaded.readsHere, engine: threaded.store };
}

/** `logs/` beside a SQLite file; for a site on PostgreSQL, `logs/` in the working directory. */
function defaultLogDir(db: string): string {
  return isPostgresUrl(db) ? resolve('logs') : join(dirname(resolve(db)), 'logs');
}

/** Where the site of `db` writes wsyncmgr.log: `logDir`, or logs/ beside the database file. */
export function siteLogPath(db: string, logDir?: string): string {
  return join(logDir ?? defaultLogDir(db), 'wsyncmgr.log');
}

/** Opens a site: store, wsyncmgr.log, engine and coordinator. */
export async function openSite(options: SiteOptions): Promise<Site> {
  const { site: store, engine: engineStore } = await openSiteStore(options);
  const logPath = siteLogPath(options.db, options.logDir);
  const fileLog = new CmtraceFileLog(logPath, options.now);
  const log = options.extraLog === undefined ? fileLog : teeLog(fileLog, options.extraLog);
  const listeners = new Set<(event: SyncEvent) => void>();
  const notifier = new ChildNotifier({ store, log, now: options.now ?? (() => new Date()) });
  const onEvent = (event: SyncEvent) => {
    options.onSyncEvent?.(event);
    notifier.onEvent(event);
    for (const listener of listeners) listener(event);
  };
  const engine = new SyncEngine({
    store: engineStore,
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
  const coordinator = new SyncCoordinator(engineStore, engine, options.now);
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
    childNotificationsSettled: () => notifier.idle(),
    close: async () => {
      await coordinator.shutdown();
      await notifier.idle();
      await store.close();
      fileLog.close();
    },
  };
}
