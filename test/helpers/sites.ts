/**
 * Real sites for integration tests: an upstream serving a generated catalog over real HTTP on
 * loopback, and child sites (real SQLite files in a temp dir) that sync from it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openSite, type Site, type SiteOptions } from '../../src/app.ts';
import { buildHttpServer } from '../../src/app-http.ts';
import { revisionKey, type UpdateIdentity } from '../../src/catalog/model.ts';
import { generateIntoStore } from '../../src/catalog-gen/index.ts';
import { DEFAULT_SETTINGS, type SupSettings } from '../../src/site/settings.ts';
import type { SiteStore } from '../../src/store/site-store.ts';
import { MemoryLog } from '../../src/sync/wsyncmgr-log.ts';

export const GEN_NOW = new Date('2026-11-10T00:00:00Z');

export function tempDir(prefix = 'supsync-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface UpstreamFixture {
  readonly site: Site;
  readonly db: string;
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A generated catalog of `updates` updates served over HTTP on 127.0.0.1. */
export async function startUpstream(updates: number, seed = 'test', dir = tempDir()): Promise<UpstreamFixture> {
  const db = join(dir, 'upstream.db');
  const site = await openSite({ db, logDir: join(dir, 'upstream-logs') });
  await generateIntoStore(site.store, { updates, seed, now: GEN_NOW });
  const app = await buildHttpServer({ site });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    site,
    db,
    url,
    app,
    close: async () => {
      await app.close();
      await site.close();
    },
  };
}

export interface ChildFixture {
  readonly site: Site;
  readonly db: string;
  readonly log: MemoryLog;
  readonly dir: string;
}

/** A child site syncing from `upstreamUrl`, with its wsyncmgr lines also kept in memory. */
export async function createChild(
  upstreamUrl: string,
  settings: Partial<SupSettings> = {},
  options: Partial<SiteOptions> = {},
  dir = tempDir(),
): Promise<ChildFixture> {
  const db = join(dir, 'site.db');
  const log = new MemoryLog();
  const site = await openSite({ db, logDir: join(dir, 'logs'), extraLog: log, ...options });
  await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup1', upstreamUrl, ...settings });
  return { site, db, log, dir };
}

/**
 * Runs `fn` with a generated upstream of `updates` updates served over HTTP and a child site
 * subscribed to SUBSCRIPTION (or `settings`); closes both afterwards.
 */
export async function withUpstreamAndChild(
  updates: number,
  seed: string,
  fn: (upstream: UpstreamFixture, child: ChildFixture) => Promise<void>,
  settings: Partial<SupSettings> = SUBSCRIPTION,
): Promise<void> {
  const upstream = await startUpstream(updates, seed);
  try {
    const child = await createChild(upstream.url, settings);
    try {
      await fn(upstream, child);
    } finally {
      await child.site.close();
    }
  } finally {
    await upstream.close();
  }
}

/** Runs one sync on `site` and returns the finished run. */
export async function syncOnce(site: Site, full = false) {
  const ticket = await site.coordinator.request({ full, trigger: 'manual' });
  return ticket.finished;
}

/** The subscription the sync tests use: Windows 11 and Defender; security and definition updates. */
export const SUBSCRIPTION = {
  products: ['72e7624a-5b00-45d2-b92f-e561c0a6a160', '8c3fcc84-7410-4a95-8b89-a166a0190486'],
  classifications: ['0fa1201d-4330-4fa8-8ae9-b877473b6441', 'e0789628-ce08-4437-be74-2495b842f43b'],
};

/** The latest revision of every software update `store` holds, as revision keys. */
export async function latestKeys(store: SiteStore): Promise<Set<string>> {
  return new Set((await store.listLatestIdentities(false)).map(revisionKey));
}

/** What the upstream offers under the subscription: listed revisions plus their bundle members. */
export async function offeredUnder(store: SiteStore, sub = SUBSCRIPTION): Promise<Set<string>> {
  const { ids } = await store.listRevisionsForDownstream({
    config: false,
    products: sub.products.map((id) => ({ id, delta: false })),
    classifications: sub.classifications.map((id) => ({ id, delta: false })),
  });
  const out = new Set(ids.map(revisionKey));
  let frontier = ids.map((i) => i.updateId);
  while (frontier.length > 0) {
    const members: UpdateIdentity[] = await store.listBundleMembers(frontier);
    frontier = [];
    for (const m of members) {
      if (out.has(revisionKey(m))) continue;
      out.add(revisionKey(m));
      frontier.push(m.updateId);
    }
  }
  return out;
}
