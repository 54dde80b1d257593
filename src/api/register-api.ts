/**
 * The site service API: `registerApi(app, deps)` adds the REST routes under `/api/v1`, `/health`
 * and `/metrics` to a Fastify app, with one error envelope, bearer-token auth per route and the
 * shared schemas that also make the OpenAPI document. Built without listening; the composition
 * root (src/app.ts) decides where it runs.
 */
import type { FastifyInstance } from 'fastify';
import { registerAdminRoutes } from './admin-routes.ts';
import type { ApiContext, ApiDeps } from './api-context.ts';
import { TokenAuthenticator } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { SyncMetrics } from './metrics.ts';
import { addRoute } from './route-kit.ts';
import { RunEventHub } from './run-events.ts';
import { addSharedSchemas } from './schemas.ts';
import { registerSettingsRoutes } from './settings-routes.ts';
import { RunStreams } from './sse.ts';
import { registerSyncRoutes } from './sync-routes.ts';
import { registerUpdateRoutes } from './update-routes.ts';

export const API_PREFIX = '/api/v1';

/** Registers the API on `app` (call before `ready()`; register OpenAPI docs first to document it). */
export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const hub = new RunEventHub();
  const metrics = new SyncMetrics();
  const streams = new RunStreams(hub, deps.store);
  const ctx: ApiContext = { ...deps, auth: new TokenAuthenticator(deps.store, deps.now), hub, metrics, streams };

  const unsubscribe = deps.events.subscribe((event) => {
    hub.publish(event);
    metrics.observe(event);
  });
  // Open event streams would keep close() waiting; end them first.
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', async () => unsubscribe());

  app.decorateRequest('caller', null);
  installErrorHandling(app, (err, request) => {
    deps.options?.onInternalError?.(err, request);
  });
  addSharedSchemas(app);
  registerServiceRoutes(app, ctx);

  await app.register(
    async (api) => {
      // A route without a declared role would be reachable without a token: refuse to register it.
      api.addHook('onRoute', (route) => {
        if (route.config?.minRole === undefined)
          throw new Error(`API route ${route.method} ${route.url} declares no role`);
      });
      registerSyncRoutes(api, ctx);
      registerUpdateRoutes(api, ctx);
      registerSettingsRoutes(api, ctx);
      registerAdminRoutes(api, ctx);
    },
    { prefix: API_PREFIX },
  );
}

/** `/health` and `/metrics`: open unless the options protect them. */
function registerServiceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const opts = ctx.options ?? {};
  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/health',
    role: opts.protectHealth === true ? 'read' : 'open',
    tags: ['service'],
    summary: 'Liveness: the process is up and its database answers',
    response: {
      200: {
        type: 'object',
        properties: { status: { type: 'string' }, siteCode: { type: 'string' }, syncInProgress: { type: 'boolean' } },
        required: ['status'],
      },
    },
    handler: async () => {
      const settings = await ctx.store.getSettings();
      return {
        status: 'ok',
        siteCode: settings?.siteCode ?? '',
        syncInProgress: ctx.coordinator.snapshot().running !== undefined,
      };
    },
  });
  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/metrics',
    role: opts.protectMetrics === true ? 'read' : 'open',
    tags: ['service'],
    summary: 'Prometheus metrics (text exposition format 0.0.4), names prefixed supsync_',
    response: { 200: { type: 'string' } },
    handler: async (_request, reply) => {
      const text = await ctx.metrics.render({
        store: ctx.store,
        inProgress: () => ctx.coordinator.snapshot().running !== undefined,
      });
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  });
}
