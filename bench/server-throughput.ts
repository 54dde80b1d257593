/**
 * Upstream server throughput (issue 3): MB/s of GetUpdateData answers served over real HTTP on
 * loopback from a generated catalog, as a downstream server fetches them (batches of 100, four
 * requests in flight). Bytes are counted as they come off the socket.
 *
 *   node --import tsx bench/server-throughput.ts [updates...]   (default: 30000 150000)
 *
 * Uses the catalogs bench/sync.ts caches in bench/out/ (generating them when absent).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { openSite } from '../src/app.ts';
import { buildHttpServer } from '../src/app-http.ts';
import { revisionKey, type UpdateIdentity } from '../src/catalog/model.ts';
import { generateIntoStore } from '../src/catalog-gen/index.ts';
import { HttpTransport } from '../src/wsusss/http-transport.ts';
import { encodeRequest, SERVER_SYNC_PATH, soapActionHeader } from '../src/wsusss/messages/index.ts';
import type { Cookie } from '../src/wsusss/messages/types.ts';

const OUT = new URL('./out/', import.meta.url).pathname;

/** Logs in the way a downstream server does and returns the session cookie. */
async function cookieFor(url: string): Promise<Cookie> {
  const transport = new HttpTransport({ upstreamUrl: url });
  const signal = new AbortController().signal;
  try {
    const auth = await transport.call(
      { operation: 'GetAuthorizationCookie', accountName: 'bench.local', accountGuid: randomUUID() },
      signal,
    );
    const cookie = await transport.call(
      { operation: 'GetCookie', authCookies: [auth.result], protocolVersion: '1.20' },
      signal,
    );
    return cookie.result;
  } finally {
    await transport.close();
  }
}

async function measure(updates: number) {
  mkdirSync(OUT, { recursive: true });
  const site = await openSite({ db: join(OUT, `upstream-${updates}.db`), logDir: join(OUT, 'logs') });
  if ((await site.store.listLatestIdentities(false)).length === 0) {
    await generateIntoStore(site.store, { updates, seed: 'bench', now: new Date('2026-11-10T00:00:00Z') });
  }
  const app = await buildHttpServer({ site });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const ids = await site.store.listLatestIdentities(false);
    const cookie = await cookieFor(url);
    const batches: UpdateIdentity[][] = [];
    for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
    let next = 0;
    let bytes = 0;
    let served = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (next < batches.length) {
        const updateIds = batches[next++] as UpdateIdentity[];
        const res = await request(`${url}${SERVER_SYNC_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: soapActionHeader('GetUpdateData') },
          body: encodeRequest({ operation: 'GetUpdateData', cookie, updateIds }),
        });
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        served += updateIds.length;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      updates,
      revisionsServed: served,
      distinct: new Set(ids.map(revisionKey)).size,
      megabytes: Math.round(bytes / 1e5) / 10,
      seconds: Math.round(seconds * 100) / 100,
      mbPerSecond: Math.round((bytes / 1e6 / seconds) * 10) / 10,
      updatesPerSecond: Math.round(served / seconds),
    };
  } finally {
    await app.close();
    await site.close();
  }
}

const sizes = process.argv.slice(2).map(Number);
const results = [];
for (const n of sizes.length > 0 ? sizes : [30_000, 150_000]) {
  const r = await measure(n);
  results.push(r);
  console.log(JSON.stringify(r));
}
const machine = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() };
writeFileSync(
  new URL('./results/server-throughput.json', import.meta.url),
  `${JSON.stringify({ machine, results }, null, 2)}\n`,
);
