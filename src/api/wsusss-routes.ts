/**
 * MS-WSUSSS over HTTP: the two ASMX endpoints a downstream WSUS or child site posts to, bound to
 * the transport-agnostic UpstreamServer. Paths match case-insensitively and tolerate the double
 * slash Windows sends (the app is built with caseSensitive: false and ignoreDuplicateSlashes).
 */
import type { FastifyInstance } from 'fastify';
import { DSS_AUTH_PATH, SERVER_SYNC_PATH } from '../wsusss/messages/index.ts';
import type { UpstreamServer } from '../wsusss/server.ts';

export function registerWsusssRoutes(app: FastifyInstance, server: UpstreamServer): void {
  for (const type of ['text/xml', 'application/soap+xml']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  for (const path of [SERVER_SYNC_PATH, DSS_AUTH_PATH]) {
    app.post(path, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(String(request.body ?? ''));
      const actor = `${request.protocol}://${request.host}${path}`;
      const action = request.headers.soapaction;
      const res = await server.handle(body, actor, Array.isArray(action) ? action[0] : action);
      return reply.code(res.status).type('text/xml; charset=utf-8').send(res.body);
    });
  }
}
