/**
 * The HTTP side of the composition root: the site's Fastify server with the REST API, its OpenAPI
 * document and docs, the web console, /health and /metrics, the MS-WSUSSS endpoints for child
 * sites, the scheduler and the alert webhook. Kept apart from app.ts so that commands that only
 * sync do not load any of it.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { AlertWebhook } from './api/alert-webhook.ts';
import type { ApiOptions } from './api/api-context.ts';
import { registerConsole } from './api/console-routes.ts';
import { registerOpenApi, registerOpenApiDocs } from './api/openapi.ts';
import { registerApi } from './api/register-api.ts';
import { checkUpstream, type UpstreamCheck } from './api/upstream-check.ts';
import { registerWsusssRoutes } from './api/wsusss-routes.ts';
import type { Site } from './app.ts';
import type { SchedulerClock } from './scheduler/scheduler-clock.ts';
import { SyncScheduler } from './scheduler/sync-scheduler.ts';
import { SupsyncError } from './shared/errors.ts';
import { UpstreamServer } from './wsusss/server.ts';

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
    logPath: site.logPath,
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
  registerConsole(app);
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
