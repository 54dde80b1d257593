/**
 * Alerts, API tokens, the audit trail and the upstream connection check.
 */
import type { FastifyInstance } from 'fastify';
import { SupsyncError } from '../shared/errors.ts';
import type { TokenRole } from '../store/site-store.ts';
import type { ApiContext } from './api-context.ts';
import { createApiToken, TOKEN_ROLES } from './auth.ts';
import { addRoute, audit, callerOf } from './route-kit.ts';
import { limitQuery, listOf } from './schemas.ts';

export function registerAdminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  addRoute<{ Querystring: { active?: boolean } }>(app, ctx.auth, {
    method: 'GET',
    url: '/alerts',
    role: 'read',
    tags: ['alerts'],
    summary: 'Sync-failure alerts, newest first (raised when a sync fails, canceled by the next success)',
    querystring: {
      type: 'object',
      properties: { active: { type: 'boolean', description: 'only alerts still active' } },
      additionalProperties: false,
    },
    response: { 200: { type: 'object', properties: { items: listOf('Alert') }, required: ['items'] } },
    handler: async (request) => ({ items: await ctx.store.listAlerts(request.query.active === true) }),
  });

  addRoute<{ Body: { name: string; role: TokenRole } }>(app, ctx.auth, {
    method: 'POST',
    url: '/tokens',
    role: 'admin',
    tags: ['tokens'],
    summary: 'Create an API token; the plaintext is in this answer only',
    body: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        role: { type: 'string', enum: TOKEN_ROLES },
      },
      required: ['name', 'role'],
      additionalProperties: false,
    },
    response: {
      201: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          role: { type: 'string' },
          createdAt: { type: 'string' },
          token: { type: 'string' },
        },
        required: ['id', 'name', 'role', 'createdAt', 'token'],
      },
    },
    handler: async (request, reply) => {
      const { record, token } = await createApiToken(ctx.store, request.body.name, request.body.role, ctx.now);
      await audit(ctx.store, ctx.now, request, 'token.create', { id: record.id, name: record.name, role: record.role });
      return reply.code(201).send({ ...record, token });
    },
  });

  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/tokens',
    role: 'admin',
    tags: ['tokens'],
    summary: 'API tokens (names, roles, last use; never the tokens themselves)',
    response: { 200: { type: 'object', properties: { items: listOf('ApiToken') }, required: ['items'] } },
    handler: async () => ({ items: await ctx.store.listTokens() }),
  });

  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/tokens/current',
    role: 'read',
    tags: ['tokens'],
    summary: "The caller's own token: its name and role (what a console may offer it)",
    response: {
      200: {
        type: 'object',
        properties: { name: { type: 'string' }, role: { type: 'string', enum: TOKEN_ROLES } },
        required: ['name', 'role'],
      },
    },
    handler: async (request) => {
      const { name, role } = callerOf(request);
      return { name, role };
    },
  });

  addRoute<{ Params: { id: number } }>(app, ctx.auth, {
    method: 'DELETE',
    url: '/tokens/:id',
    role: 'admin',
    tags: ['tokens'],
    summary: 'Revoke an API token',
    params: {
      type: 'object',
      properties: { id: { type: 'integer', minimum: 1 } },
      required: ['id'],
      additionalProperties: false,
    },
    response: { 204: { type: 'null', description: 'revoked' } },
    handler: async (request, reply) => {
      if (!(await ctx.store.revokeToken(request.params.id)))
        throw new SupsyncError('NOT_FOUND', `no API token ${request.params.id}`);
      await audit(ctx.store, ctx.now, request, 'token.revoke', { id: request.params.id });
      return reply.code(204).send();
    },
  });

  addRoute<{ Querystring: { limit: number } }>(app, ctx.auth, {
    method: 'GET',
    url: '/audit',
    role: 'admin',
    tags: ['tokens'],
    summary: 'Audit trail: who triggered or changed what, newest first',
    querystring: limitQuery(1000, 100),
    response: { 200: { type: 'object', properties: { items: listOf('AuditRecord') }, required: ['items'] } },
    handler: async (request) => ({ items: await ctx.store.listAudit(request.query.limit) }),
  });

  addRoute(app, ctx.auth, {
    method: 'POST',
    url: '/upstream/test',
    role: 'operator',
    tags: ['sync'],
    summary: 'Test the connection to the configured upstream (authorization, cookie, GetConfigData), timed',
    description:
      'Runs the first exchange of a sync once, without retries. A failed check is a 200 answer with ok: false and the error code.',
    body: { type: ['object', 'null'], properties: {}, additionalProperties: false },
    response: {
      200: {
        type: 'object',
        properties: {
          ok: { type: 'boolean' },
          upstreamUrl: { type: 'string' },
          elapsedMs: { type: 'integer' },
          protocolVersion: { type: 'string' },
          maxUpdatesPerRequest: { type: 'integer' },
          languages: { type: 'integer' },
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            required: ['code', 'message'],
          },
        },
        required: ['ok', 'upstreamUrl', 'elapsedMs'],
      },
    },
    handler: async (request) => {
      const result = await ctx.testUpstream();
      await audit(ctx.store, ctx.now, request, 'upstream.test', { upstreamUrl: result.upstreamUrl, ok: result.ok });
      return result;
    },
  });
}
