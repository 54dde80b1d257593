/**
 * The web console (`console/` at the package root): three static files, read once when the server
 * is built and served under /console/. They hold no site data and need no token; the page asks for
 * one and reads everything through the REST API with it. A strict content security policy lets the
 * page load only its own script and style and talk only to this origin.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The same folder from src/api/ (sources) and dist/api/ (compiled). */
const CONSOLE_DIR = new URL('../../console/', import.meta.url);

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Small and changed by upgrades: revalidated every time rather than cached stale.
  'cache-control': 'no-cache',
} as const;

export function registerConsole(app: FastifyInstance): void {
  for (const [name, type] of Object.entries(FILES)) {
    const body = readFileSync(new URL(name, CONSOLE_DIR));
    const urls = name === 'index.html' ? ['/console/', '/console/index.html'] : [`/console/${name}`];
    for (const url of urls) {
      app.get(url, { schema: { hide: true } }, async (_request, reply) =>
        reply.headers({ ...HEADERS, 'content-type': type }).send(body),
      );
    }
  }
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
}
