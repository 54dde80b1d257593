/**
 * Sync routes: SyncNow (`POST /sync`, answers at once with the run that will serve the request),
 * stopping a run (`POST /runs/{id}/cancel`), SMS_SUPSyncStatus, the sync manager's status messages
 * and wsyncmgr.log, the hierarchy, run history, and one run's live progress as server-sent events.
 */
import type { FastifyInstance } from 'fastify';
import { SupsyncError } from '../shared/errors.ts';
import { type RunState, requireSettings, type SyncRunRecord } from '../store/site-store.ts';
import { HIERARCHY_DEPTH, MAX_HIERARCHY_DEPTH, readChildStatuses } from '../sync/child-sites.ts';
import { readSupSyncStatus } from '../sync/status.ts';
import { readLogTail } from '../sync/wsyncmgr-log.ts';
import type { ApiContext } from './api-context.ts';
import { addRoute, audit, callerOf } from './route-kit.ts';
import { limitQuery, listOf, ref } from './schemas.ts';

/** The longest a `GET /runs/{id}?wait=` may wait, and how often it reads the run again meanwhile. */
const MAX_WAIT_SECONDS = 300;
const WAIT_POLL_MS = 2000;
const ACTIVE: ReadonlySet<RunState> = new Set(['queued', 'running']);

const runIdParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
  additionalProperties: false,
} as const;

export function registerSyncRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // This SUP's SMS_SUPSyncStatus row, with the scheduler's next run and the live progress.
  const currentStatus = async () => {
    const next = ctx.scheduler?.nextRun();
    const status = await readSupSyncStatus(ctx.store, next === undefined ? null : next.toISOString());
    const running = ctx.coordinator.snapshot().running;
    return { ...status, Running: running === undefined ? null : (ctx.hub.progressOf(running.id) ?? null) };
  };

  addRoute<{ Body: { full?: boolean; parent?: string; parentCatalogVersion?: number } | undefined }>(app, ctx.auth, {
    method: 'POST',
    url: '/sync',
    role: 'operator',
    tags: ['sync'],
    summary: 'Synchronize now (SyncNow)',
    description:
      'Requests a sync and answers at once with the run that will serve it (202). While a sync runs, one more is queued; ' +
      'further requests join the queued run (coalesced: true), and a full request upgrades a queued delta to full. ' +
      'Follow the run with GET /runs/{id} or GET /runs/{id}/events. A parent site sends `parent` (its site code) ' +
      'when it notifies its children after a successful sync; the run is then recorded with trigger `parent`.',
    body: {
      type: ['object', 'null'],
      properties: {
        full: { type: 'boolean', default: false, description: 'run a full synchronization' },
        parent: {
          type: 'string',
          pattern: '^[A-Za-z0-9]{3}$',
          description: "the notifying parent site's code (a parent sync request)",
        },
        parentCatalogVersion: {
          type: 'integer',
          minimum: 0,
          description: "with parent: the parent's SyncCatalogVersion, named in the child's wsyncmgr.log",
        },
      },
      additionalProperties: false,
    },
    response: {
      202: {
        type: 'object',
        properties: {
          runId: { type: 'integer' },
          state: { type: 'string' },
          kind: { type: 'string', enum: ['full', 'delta'] },
          coalesced: { type: 'boolean' },
          location: { type: 'string' },
        },
        required: ['runId', 'state', 'kind', 'coalesced', 'location'],
      },
    },
    handler: async (request, reply) => {
      const full = request.body?.full === true;
      // Refused up front rather than recorded as a failed run (and a raised alert) that says the same.
      if ((await requireSettings(ctx.store)).upstreamUrl === 'none') {
        throw new SupsyncError(
          'CONFIG_INVALID',
          'this site has no upstream (upstream is "none"); set one with PATCH /settings',
        );
      }
      const caller = callerOf(request);
      const parent = request.body?.parent?.toUpperCase();
      const parentVersion = request.body?.parentCatalogVersion;
      const ticket = await ctx.coordinator.request({
        full,
        trigger: parent === undefined ? 'api' : 'parent',
        requestedBy: parent === undefined ? caller.name : `${caller.name} (parent site ${parent})`,
        ...(parent === undefined
          ? {}
          : {
              parent: { siteCode: parent, ...(parentVersion === undefined ? {} : { catalogVersion: parentVersion }) },
            }),
      });
      await audit(ctx.store, ctx.now, request, 'sync.request', {
        full,
        ...(parent === undefined ? {} : { parent }),
        runId: ticket.run.id,
        coalesced: ticket.coalesced,
      });
      const location = `/api/v1/runs/${ticket.run.id}`;
      return reply.code(202).header('location', location).send({
        runId: ticket.run.id,
        state: ticket.run.state,
        kind: ticket.run.kind,
        coalesced: ticket.coalesced,
        location,
      });
    },
  });

  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/status',
    role: 'read',
    tags: ['sync'],
    summary: 'Sync status of every software update point of the site (SMS_SUPSyncStatus)',
    response: { 200: listOf('SupSyncStatus') },
    handler: async () => [await currentStatus()],
  });

  addRoute<{ Querystring: { limit: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/status-messages',
    role: 'read',
    tags: ['sync'],
    summary: 'Status messages of the sync manager (SMS_WSUS_SYNC_MANAGER), newest first',
    querystring: limitQuery(1000, 100),
    response: { 200: { type: 'object', properties: { items: listOf('StatusMessage') }, required: ['items'] } },
    handler: async (request) => ({ items: await ctx.store.listStatusMessages(request.query.limit) }),
  });

  addRoute<{ Querystring: { lines: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/log',
    role: 'read',
    tags: ['sync'],
    summary: "The last entries of the site's wsyncmgr.log, oldest first",
    description:
      'Read back from the CMTrace file (and its rotated generation, wsyncmgr.lo_, when the current file holds fewer): ' +
      'time (UTC), severity, component and message of each entry.',
    querystring: {
      type: 'object',
      properties: { lines: { type: 'integer', minimum: 1, maximum: 5000, default: 200 } },
      additionalProperties: false,
    },
    response: {
      200: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                time: { type: 'string' },
                severity: { type: 'string', enum: ['info', 'warning', 'error'] },
                component: { type: 'string' },
                message: { type: 'string' },
              },
              required: ['time', 'severity', 'component', 'message'],
            },
          },
        },
        required: ['path', 'items'],
      },
    },
    handler: async (request) => ({ path: ctx.logPath, items: await readLogTail(ctx.logPath, request.query.lines) }),
  });

  addRoute<{ Querystring: { depth: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/hierarchy',
    role: 'read',
    tags: ['sync'],
    summary: 'Sync status of this site and of every site below it',
    description:
      'Each child is asked for its own view (GET /hierarchy with the token it issued, one level less), side by ' +
      `side, so the answer reaches \`depth\` levels down (default ${HIERARCHY_DEPTH}). A child that cannot be reached ` +
      'has `status: null` and says why in `statusError`.',
    querystring: {
      type: 'object',
      properties: { depth: { type: 'integer', minimum: 0, maximum: MAX_HIERARCHY_DEPTH, default: HIERARCHY_DEPTH } },
      additionalProperties: false,
    },
    response: {
      200: {
        type: 'object',
        properties: { site: ref('SupSyncStatus'), children: listOf('ChildSiteStatus') },
        required: ['site', 'children'],
      },
    },
    handler: async (request) => {
      const [site, children] = await Promise.all([currentStatus(), readChildStatuses(ctx.store, request.query.depth)]);
      return { site, children };
    },
  });

  addRoute<{ Querystring: { limit: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/runs',
    role: 'read',
    tags: ['sync'],
    summary: 'Sync run history, newest first',
    querystring: limitQuery(500, 50),
    response: { 200: { type: 'object', properties: { items: listOf('SyncRun') }, required: ['items'] } },
    handler: async (request) => ({
      items: (await ctx.store.listRuns(request.query.limit)).map((r) => ctx.hub.view(r)),
    }),
  });

  addRoute<{ Params: { id: number }; Querystring: { wait: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/runs/:id',
    role: 'read',
    tags: ['sync'],
    summary: 'One sync run, with its live progress while it runs',
    description:
      'With `wait` (seconds, up to 300), a queued or running run is answered when it ends, or when the wait is up, ' +
      'whichever comes first: a script that triggered a sync can wait for it in a loop of plain requests, where ' +
      'SyncNow itself returns at once.',
    params: runIdParams,
    querystring: {
      type: 'object',
      properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 } },
      additionalProperties: false,
    },
    response: { 200: ref('SyncRun') },
    handler: async (request, reply) => {
      const { id } = request.params;
      let run = await requireRun(ctx, id);
      if (request.query.wait === 0) return ctx.hub.view(run);
      const deadline = Date.now() + request.query.wait * 1000;
      // Given up when the caller goes away (the response closes before it is sent), so an abandoned
      // wait holds nothing.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      while (ACTIVE.has(run.state) && !gone.signal.aborted && Date.now() < deadline) {
        // A run of another process sends no events: the store is read again every few seconds.
        await ctx.hub.waitForEnd(id, Math.min(WAIT_POLL_MS, deadline - Date.now()), gone.signal);
        run = await requireRun(ctx, id);
      }
      return ctx.hub.view(run);
    },
  });

  addRoute<{ Params: { id: number } }>(app, ctx.auth, {
    method: 'POST',
    url: '/runs/:id/cancel',
    role: 'operator',
    tags: ['sync'],
    summary: 'Stop a sync: a queued run at once, the running one at its next safe point',
    description:
      'Answers 202 with the run as it is now: `cancelled` when it was queued, still `running` when it runs (follow it ' +
      'to `cancelled` with GET /runs/{id} or its events). What the run committed stays and its anchors do not move, so ' +
      'the next sync takes up from the last successful one. A run that has finished, or that another process runs, ' +
      'is SYNC_NOT_ACTIVE (409).',
    params: runIdParams,
    response: { 202: ref('SyncRun') },
    handler: async (request, reply) => {
      const run = await ctx.coordinator.cancel(request.params.id, callerOf(request).name);
      await audit(ctx.store, ctx.now, request, 'sync.cancel', { runId: run.id, state: run.state });
      return reply.code(202).send(ctx.hub.view(run));
    },
  });

  addRoute<{ Params: { id: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/runs/:id/events',
    role: 'read',
    tags: ['sync'],
    summary: 'Live progress of a run as server-sent events',
    description:
      'text/event-stream. Events: `run` (the record when the stream opens), `started`, `phase`, `progress` ' +
      '(phase, done, total, etaSeconds) and `finished` (the final record), after which the stream ends. ' +
      'For a run that already finished, only `finished` is sent.',
    params: runIdParams,
    streams: true,
    response: { 200: { type: 'string', description: 'text/event-stream' } },
    handler: async (request, reply) => {
      await requireRun(ctx, request.params.id);
      return ctx.streams.stream(reply, request.params.id);
    },
  });
}

async function requireRun(ctx: ApiContext, id: number): Promise<SyncRunRecord> {
  const run = await ctx.store.getRun(id);
  if (run === undefined) throw new SupsyncError('NOT_FOUND', `no sync run ${id}`);
  return run;
}
