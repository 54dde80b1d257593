/**
 * Real sites for the API tests: a SQLite file in a temp dir opened with `openSite`, the real app
 * from `buildHttpServer`, one token per role, and upstreams that either serve a small catalog
 * (a supsync site over loopback HTTP) or hold requests until told to answer 404 (so a sync stays
 * "running" exactly as long as a test needs, then fails at once without retries).
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApiToken } from '../../../src/api/auth.ts';
import { openSite, type Site } from '../../../src/app.ts';
import { buildHttpServer, type HttpServerOptions } from '../../../src/app-http.ts';
import type { StoredRevision } from '../../../src/catalog/model.ts';
import { DEFAULT_SETTINGS, type SupSettings } from '../../../src/site/settings.ts';
import type { TokenRole } from '../../../src/store/site-store.ts';
import { guid, IDS, update, wellKnownCategories } from '../../helpers/revisions.ts';

export { IDS };

export function tempDir(prefix = 'supsync-api-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ApiFixture {
  readonly site: Site;
  readonly app: FastifyInstance;
  readonly dir: string;
  readonly db: string;
  readonly tokens: Readonly<Record<TokenRole, string>>;
  /** `app.inject` with `Authorization: Bearer <token>` (the admin token unless `token` says otherwise). */
  call(
    method: NonNullable<InjectOptions['method']>,
    url: string,
    options?: { token?: string | null; body?: unknown },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface ApiFixtureOptions {
  readonly settings?: Partial<SupSettings>;
  readonly server?: Omit<HttpServerOptions, 'site'>;
  readonly revisions?: readonly StoredRevision[];
}

/** A site with one token per role and the real HTTP app (not listening). */
export async function apiFixture(options: ApiFixtureOptions = {}): Promise<ApiFixture> {
  const dir = tempDir();
  const db = join(dir, 'site.db');
  const site = await openSite({ db, logDir: join(dir, 'logs') });
  await site.store.initSite({
    ...DEFAULT_SETTINGS,
    siteCode: 'CS1',
    supName: 'sup1',
    upstreamUrl: 'none',
    ...options.settings,
  });
  if (options.revisions !== undefined) await site.store.putRevisions(options.revisions);
  const tokens = {} as Record<TokenRole, string>;
  for (const role of ['read', 'operator', 'admin'] as const) {
    tokens[role] = (await createApiToken(site.store, `${role}-token`, role, () => new Date())).token;
  }
  const app = await buildHttpServer({ site, ...options.server });
  return {
    site,
    app,
    dir,
    db,
    tokens,
    call: (method, url, o = {}) => {
      const token = o.token === undefined ? tokens.admin : o.token;
      return app.inject({
        method,
        url,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        ...(o.body === undefined ? {} : { payload: o.body as NonNullable<InjectOptions['payload']> }),
      });
    },
    close: async () => {
      await site.coordinator.whenIdle();
      await app.close();
      await site.close();
    },
  };
}

export const PRODUCT = IDS.windows11;
export const SECURITY = IDS.securityUpdates;

/**
 * A small catalog: the well-known categories and `n` updates, alternating products and
 * classifications, every third one superseded by the next, KBs 5000000+i, severities in turn.
 */
export function smallCatalog(n = 12): StoredRevision[] {
  const severities = ['Critical', 'Important', 'Moderate', 'Low'];
  const updates = Array.from({ length: n }, (_, i) =>
    update(
      guid(i + 1),
      [i % 2 === 0 ? IDS.windows11 : IDS.defender],
      [i % 2 === 0 ? IDS.securityUpdates : IDS.definitionUpdates],
      {
        title: `${i % 2 === 0 ? 'Security Update for Windows 11' : 'Defender definition'} ${i + 1}`,
        kb: [String(5000000 + i)],
        severity: severities[i % 4] as string,
        created: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
        ...(i % 3 === 1 ? { supersedes: [guid(i)] } : {}),
      },
    ),
  );
  return [...wellKnownCategories(), ...updates];
}

export interface UpstreamHandle {
  readonly url: string;
  close(): Promise<void>;
}

/** A supsync site serving `revisions` over MS-WSUSSS on 127.0.0.1. */
export async function catalogUpstream(
  revisions: readonly StoredRevision[] = smallCatalog(),
): Promise<UpstreamHandle & { site: Site }> {
  const dir = tempDir('supsync-api-upstream-');
  const site = await openSite({ db: join(dir, 'upstream.db'), logDir: join(dir, 'logs') });
  await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'MU1', supName: 'uss', upstreamUrl: 'none' });
  await site.store.putRevisions(revisions);
  const app = await buildHttpServer({ site });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    site,
    close: async () => {
      await app.close();
      await site.close();
    },
  };
}

/** An upstream that holds every request until `release()`, then answers 404 (a non-retryable failure). */
export async function holdingUpstream(): Promise<
  UpstreamHandle & { release(): void; readonly held: () => number; waitForRequest(): Promise<void> }
> {
  const pending: ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  let released = false;
  const answer = (res: ServerResponse) =>
    res.writeHead(404, { 'content-type': 'text/plain' }).end('held upstream: not found');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    for (const w of waiters.splice(0)) w();
    if (released) answer(res);
    else pending.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => pending.length,
    waitForRequest: () =>
      pending.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    release: () => {
      released = true;
      for (const res of pending.splice(0)) answer(res);
    },
    close: async () => {
      released = true;
      for (const res of pending.splice(0)) answer(res);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses a text/event-stream body into its events. */
export function parseSse(body: string): { event: string; data: unknown }[] {
  return body
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
      return { event, data: JSON.parse(data) as unknown };
    });
}
