/**
 * How every API route is declared: its minimum role, its schemas (validated by ajv, documented in
 * OpenAPI with the role as `x-supsync-role`), the shared error responses, and the auth hook. The
 * hook runs on `onRequest`, before the body is parsed, so an anonymous caller learns nothing about
 * input rules and cannot make the server parse large bodies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteGenericInterface } from 'fastify';
import { SupsyncError } from '../shared/errors.ts';
import type { SiteStore, TokenRole } from '../store/site-store.ts';
import type { Caller, TokenAuthenticator } from './auth.ts';
import { ref } from './schemas.ts';

/** A route's minimum role, or `open` for routes anyone may call. */
export type RouteRole = TokenRole | 'open';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null on open routes. */
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Every API route declares one; the API refuses to register a route without it. */
    minRole?: RouteRole;
  }
}

export interface RouteSpec<G extends RouteGenericInterface> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly role: RouteRole;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly params?: object;
  readonly querystring?: object;
  readonly body?: object;
  /** An endpoint that streams (server-sent events): no automatic HEAD route, which would hold the stream open. */
  readonly streams?: boolean;
  /** Success responses by status; 4xx and 5xx answer the shared ApiError envelope. */
  readonly response: Readonly<Record<number, unknown>>;
  readonly handler: (request: FastifyRequest<G>, reply: FastifyReply) => Promise<unknown>;
}

/** Registers `spec` on `app`, with the auth hook for its role. */
export function addRoute<G extends RouteGenericInterface>(
  app: FastifyInstance,
  auth: TokenAuthenticator,
  spec: RouteSpec<G>,
): void {
  const role = spec.role;
  const schema: Record<string, unknown> = {
    tags: spec.tags,
    summary: spec.summary,
    description: `${spec.description ?? spec.summary}\n\nRequired role: ${role === 'open' ? 'none' : role}.`,
    response: { ...spec.response, '4xx': ref('ApiError'), '5xx': ref('ApiError') },
    'x-supsync-role': role,
    ...(spec.params === undefined ? {} : { params: spec.params }),
    // A route without query parameters still refuses unknown ones, like every other route.
    querystring: spec.querystring ?? { type: 'object', properties: {}, additionalProperties: false },
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(role === 'open' ? {} : { security: [{ bearerAuth: [] }] }),
  };
  app.route({
    method: spec.method,
    url: spec.url,
    config: { minRole: role },
    ...(spec.streams === true ? { exposeHeadRoute: false } : {}),
    schema,
    ...(role === 'open'
      ? {}
      : {
          onRequest: async (request: FastifyRequest) => {
            request.caller = await auth.authorize(request, role);
          },
        }),
    // The schemas above validate what the handler's generic promises; Fastify cannot see that link.
    handler: spec.handler as unknown as (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  });
}

/** The caller of a protected route (set by its auth hook). */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw new SupsyncError('AUTH_REQUIRED', 'this route needs an API token');
  return request.caller;
}

/** Records who changed what. Every mutating route calls this after the change succeeded. */
export async function audit(
  store: Pick<SiteStore, 'addAudit'>,
  now: () => Date,
  request: FastifyRequest,
  action: string,
  details: unknown,
): Promise<void> {
  await store.addAudit({ time: now().toISOString(), actor: callerOf(request).name, action, details });
}
