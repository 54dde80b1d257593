/**
 * The API's one error envelope `{ statusCode, code, error, message }` and the one place where a
 * supsync error code becomes an HTTP status. Everything the API answers with an error goes through
 * here: SupsyncErrors from the core, Fastify's own errors (validation, bad JSON, body too large) and
 * unknown routes.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isSupsyncError } from '../shared/errors.ts';

/**
 * HTTP status per code. A Record over every code, so adding a code to src/shared/errors.ts fails
 * the type check until its status is chosen here.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 400,
  CONFIG_UNKNOWN_CATEGORY: 400,
  INPUT_INVALID: 400,
  XML_MALFORMED: 400,
  XML_DTD_FORBIDDEN: 400,
  SOAP_MALFORMED: 400,
  SOAP_UNKNOWN_OPERATION: 400,
  WSUSSS_FAULT: 502,
  CAB_CORRUPT: 502,
  CAB_UNSUPPORTED: 502,
  UPDATE_XML_INVALID: 502,
  UPSTREAM_HTTP: 502,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  ABORTED: 503,
  STORE_SCHEMA_NEWER: 503,
  STORE_NOT_INITIALIZED: 503,
  STORE_ALREADY_INITIALIZED: 409,
  STORE_IO: 503,
  SYNC_IN_PROGRESS: 409,
  SYNC_NOT_ACTIVE: 409,
  SYNC_TOO_MANY_FAILURES: 502,
  EXPORT_PACKAGE_INVALID: 400,
  AUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  NOT_FOUND: 404,
  SERVER_UNREACHABLE: 502,
  INTERNAL: 500,
};

/** The body of every error answer. */
export interface ErrorEnvelope {
  readonly statusCode: number;
  readonly code: ErrorCode;
  /** The HTTP reason phrase of statusCode. */
  readonly error: string;
  readonly message: string;
}

/** Builds the envelope for `code`, with the status HTTP_STATUS gives it unless overridden. */
export function envelope(code: ErrorCode, message: string, statusCode = HTTP_STATUS[code]): ErrorEnvelope {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Maps anything thrown by a handler or by Fastify to the envelope. */
export function toEnvelope(err: unknown): ErrorEnvelope {
  if (isSupsyncError(err)) return envelope(err.code, err.message);
  const fe = err as Partial<FastifyError>;
  if (fe.validation !== undefined) return envelope('INPUT_INVALID', validationMessage(fe));
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  // Fastify's own 4xx (bad JSON, unsupported media type, body too large, ...) are input errors.
  if (status === 404) return envelope('NOT_FOUND', fe.message ?? 'not found', 404);
  if (status >= 400 && status < 500) return envelope('INPUT_INVALID', fe.message ?? 'invalid request', status);
  return envelope('INTERNAL', 'an unexpected internal error; see the server log', 500);
}

/**
 * Fastify's message ("body/updateIds must NOT have fewer than 1 items"), naming the offending
 * field where ajv only says "must NOT have additional properties".
 */
function validationMessage(fe: Partial<FastifyError>): string {
  const first = fe.validation?.[0];
  const extra = (first?.params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
  if (typeof extra === 'string') {
    const where = `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return `${where}: unknown field "${extra}"`;
  }
  return fe.message ?? 'invalid request';
}

/** Installs the error and not-found handlers on `app` (the root, so every route shares them). */
export function installErrorHandling(
  app: FastifyInstance,
  onInternal: (err: unknown, req: FastifyRequest) => void,
): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = toEnvelope(err);
    if (body.code === 'INTERNAL') onInternal(err, request);
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(envelope('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}
