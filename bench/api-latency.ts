/**
 * Benchmark: latency of the site API on a large site. Synthesises a catalog of N software updates
 * into a fresh SQLite site (putRevisions in batches, Microsoft-like shape: 20 products, two
 * classifications, each update superseding the previous one of its product and classification),
 * then measures through the real app (`inject`, so routing, auth, validation and serialization are
 * all in the path, only the socket is not):
 *   - GET /api/v1/status
 *   - GET /api/v1/updates filtered by product + classification + superseded=false, limit 50, at
 *     offsets spread over the whole result (the target: p95 under 50 ms)
 *   - a few other query shapes and GET /metrics, for information
 *
 *   node --import tsx bench/api-latency.ts [--updates 150000] [--runs 300] [--out bench/results/api-latency.json]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiToken } from '../src/api/auth.ts';
import { openSite } from '../src/app.ts';
import { buildHttpServer } from '../src/app-http.ts';
import type { StoredRevision } from '../src/catalog/model.ts';
import { DEFAULT_SETTINGS } from '../src/site/settings.ts';
import { category, clause, guid, IDS, makeRevision, wellKnownCategories } from '../test/helpers/revisions.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const UPDATES = Number(arg('updates', '150000'));
const RUNS = Number(arg('runs', '300'));
const OUT = arg('out', 'bench/results/api-latency.json');
const BATCH = 2000;
const SEVERITIES = ['Critical', 'Important', 'Moderate', 'Low'];

const extraProducts = Array.from({ length: 18 }, (_, i) => guid(i + 1, 0xca7));
const products = [IDS.windows11, IDS.defender, ...extraProducts];
const classifications = [IDS.securityUpdates, IDS.definitionUpdates];

function categories(): StoredRevision[] {
  return [
    ...wellKnownCategories(),
    ...extraProducts.map((id, i) => category(id, 'Product', `Product ${i}`, IDS.windows)),
  ];
}

/**
 * Update `i`: product and classification round-robin; three in five supersede the previous update
 * of their product and classification, so about 60% of the catalog is superseded.
 */
function updateAt(i: number, previous: Map<string, string>): StoredRevision {
  const product = products[i % products.length] as string;
  const cls = classifications[Math.floor(i / products.length) % classifications.length] as string;
  const id = guid(i + 1);
  const key = `${product}/${cls}`;
  const before = Math.floor(i / 40) % 5 < 3 ? previous.get(key) : undefined;
  previous.set(key, id);
  return makeRevision({
    id,
    title: `${cls === IDS.securityUpdates ? 'Security Update' : 'Definition Update'} ${i} for product ${i % products.length}`,
    description: 'A synthetic update for the API latency benchmark.',
    kb: [String(5_000_000 + i)],
    severity: SEVERITIES[i % 4] as string,
    created: new Date(Date.UTC(2016, 0, 1) + i * 1_800_000).toISOString(),
    prerequisites: [clause([product]), clause([cls])],
    ...(before === undefined ? {} : { supersedes: [before] }),
  });
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    p99Ms: round(at(0.99)),
    maxMs: round(s.at(-1) as number),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-api-bench-'));
  const db = join(dir, 'site.db');
  const site = await openSite({ db, logDir: join(dir, 'logs') });
  await site.store.initSite({
    ...DEFAULT_SETTINGS,
    siteCode: 'CS1',
    supName: 'sup1',
    upstreamUrl: 'http://127.0.0.1:9',
    schedule: { kind: 'none' },
  });

  const buildStart = performance.now();
  await site.store.putRevisions(categories());
  const previous = new Map<string, string>();
  for (let i = 0; i < UPDATES; i += BATCH) {
    const batch: StoredRevision[] = [];
    for (let j = i; j < Math.min(UPDATES, i + BATCH); j++) batch.push(updateAt(j, previous));
    await site.store.putRevisions(batch);
    if ((i / BATCH) % 10 === 0) process.stderr.write(`  wrote ${i + batch.length} updates\n`);
  }
  const buildSeconds = (performance.now() - buildStart) / 1000;

  const { token } = await createApiToken(site.store, 'bench', 'read', () => new Date());
  const app = await buildHttpServer({ site });
  await app.ready();
  const headers = { authorization: `Bearer ${token}` };
  const time = async (url: string): Promise<{ ms: number; body: string }> => {
    const t = performance.now();
    const res = await app.inject({ method: 'GET', url, headers });
    const ms = performance.now() - t;
    if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
    return { ms, body: res.body };
  };
  const measure = async (urls: (i: number) => string, runs = RUNS) => {
    for (let i = 0; i < 20; i++) await time(urls(i)); // warm-up: statement cache, page cache, JIT
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push((await time(urls(i))).ms);
    return stats(samples);
  };

  const filtered = `/api/v1/updates?productId=${IDS.windows11}&classificationId=${IDS.securityUpdates}&superseded=false&limit=50`;
  const filteredAll = `/api/v1/updates?productId=${IDS.windows11}&classificationId=${IDS.securityUpdates}&limit=50`;
  const totalOf = async (url: string) => (JSON.parse((await time(url)).body) as { total: number }).total;
  const totalFiltered = await totalOf(filtered);
  const totalFilteredAll = await totalOf(filteredAll);
  // Offsets spread over the whole result, first and last pages included.
  const spread = (total: number) => (i: number) =>
    i % 10 === 0 ? 0 : i % 10 === 1 ? Math.max(0, total - 50) : (i * 7919) % Math.max(1, total - 50);
  const rows = {
    status: await measure(() => '/api/v1/status'),
    'updates: product + classification + superseded=false, limit 50, offsets across the result': await measure(
      (i) => `${filtered}&offset=${spread(totalFiltered)(i)}`,
    ),
    'updates: product + classification, limit 50, offsets across the result': await measure(
      (i) => `${filteredAll}&offset=${spread(totalFilteredAll)(i)}`,
    ),
    'updates: no filter, limit 50, offsets 0-10000': await measure(
      (i) => `/api/v1/updates?limit=50&offset=${(i * 37) % 10_000}`,
    ),
    'updates: text in title, limit 50': await measure((i) => `/api/v1/updates?text=product%20${i % 20}&limit=50`),
    'updates: kb': await measure((i) => `/api/v1/updates?kb=${5_000_000 + ((i * 104729) % UPDATES)}`),
    'updates: severity=Critical + superseded=false + postedFrom, limit 50': await measure(
      () => '/api/v1/updates?severity=Critical&superseded=false&postedFrom=2020-01-01&limit=50',
    ),
    'update by id': await measure((i) => `/api/v1/updates/${guid(((i * 104729) % UPDATES) + 1)}`),
    metrics: await measure(() => '/metrics', 30),
  };
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    updates: UPDATES,
    filteredTotal: {
      'product + classification + superseded=false': totalFiltered,
      'product + classification': totalFilteredAll,
    },
    databaseMB: Math.round(statSync(db).size / 1e5) / 10,
    buildSeconds: Math.round(buildSeconds * 10) / 10,
    transport: 'fastify inject (full request path without the socket)',
    target: 'p95 < 50 ms for the filtered, paged updates query',
    targetMet:
      rows['updates: product + classification + superseded=false, limit 50, offsets across the result'].p95Ms < 50,
    rows,
  };
  await app.close();
  await site.close();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
