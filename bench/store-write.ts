/**
 * Benchmark: the SQLite site store under a full sync's write load and the patch-admin query load.
 * Writes N synthetic update revisions (≈4 KB documents) in batches of 200 into a fresh file, then
 * verifies all of them (re-hash), then pages a product + classification filter 200 times.
 *
 *   node --import tsx bench/store-write.ts [--updates 30000] [--batch 200] [--runs 200] [--out path]
 *
 * The catalog mimics Microsoft's shape: 70% of updates name their product and classification in
 * IsCategory clauses and supersede the previous update of their product; 30% are Defender-like
 * leaves naming only their product, grouped under bundles that carry the classification (half the
 * bundles arrive before their leaves, half after, so inheritance is exercised both ways).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StoredRevision } from '../src/catalog/model.ts';
import type { SiteStore, UpdateQuery } from '../src/store/site-store.ts';
import { openSqliteSiteStore } from '../src/store/sqlite/sqlite-site-store.ts';
import { category, clause, guid, IDS, makeRevision, wellKnownCategories } from '../test/helpers/revisions.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}
function textArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const UPDATES = arg('updates', 30_000);
const BATCH = arg('batch', 200);
const RUNS = arg('runs', 200);
const OUT = textArg('out', 'bench/results/store-write.json');
const DOC_SIZE = 4096;
const GROUP = 50; // leaves per Defender-like bundle

const extraProducts = Array.from({ length: 18 }, (_, i) => guid(i + 1, 0xca7));
const products = [IDS.defender, IDS.windows11, ...extraProducts];
const classifications = [IDS.securityUpdates, IDS.definitionUpdates];
const detectoids = [guid(1, 0xde7), guid(2, 0xde7), guid(3, 0xde7)];

function catalogCategories(): StoredRevision[] {
  return [
    ...wellKnownCategories(),
    ...extraProducts.map((id, i) => category(id, 'Product', `Product ${i}`, IDS.windows)),
    ...detectoids.map((id) => makeRevision({ id, type: 'Detectoid', rev: 100 })),
  ];
}

function created(i: number): string {
  return new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString();
}

/** The whole synthetic catalog in the order a sync would write it. */
function syntheticUpdates(n: number): StoredRevision[] {
  const out: StoredRevision[] = [];
  const lastOfProduct = new Map<string, string>();
  const regular = Math.round(n * 0.7);
  for (let i = 0; i < regular; i++) {
    const id = guid(i + 1);
    const product = products[i % products.length] as string;
    const prev = lastOfProduct.get(product);
    lastOfProduct.set(product, id);
    out.push(
      makeRevision({
        id,
        title: `${i % 7 === 0 ? 'Security Update' : 'Cumulative Update'} for Product ${i % products.length} (KB${5000000 + i})`,
        created: created(i),
        kb: [String(5000000 + i)],
        severity: i % 3 === 0 ? 'Critical' : 'Important',
        prerequisites: [
          ...detectoids.map((d) => clause([d], false)),
          clause([product]),
          clause([classifications[Math.floor(i / products.length) % 2] as string]),
        ],
        ...(prev ? { supersedes: [prev] } : {}),
        files: [
          {
            fileName: `kb${5000000 + i}.cab`,
            size: 1_000_000 + i,
            digestSha1: `sha1-${i}`,
            digestSha256: `sha256-${i}`,
          },
        ],
        padTo: DOC_SIZE,
      }),
    );
  }
  for (let start = regular, g = 0; start < n; start += GROUP + 1, g++) {
    const leaves: StoredRevision[] = [];
    for (let i = start; i < Math.min(n - 1, start + GROUP); i++) {
      leaves.push(
        makeRevision({
          id: guid(i + 1),
          title: `Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.${i}.0)`,
          created: created(i),
          prerequisites: [...detectoids.map((d) => clause([d], false)), clause([IDS.defender], false)],
          files: [{ fileName: `mpam-fe-${i}.exe`, size: 11_000_000, digestSha1: `sha1-${i}` }],
          padTo: DOC_SIZE,
        }),
      );
    }
    const bundle = makeRevision({
      id: guid(start + GROUP + 1),
      title: 'Security Intelligence Update for Microsoft Defender Antivirus - KB2267602',
      created: created(start + GROUP),
      kb: ['2267602'],
      prerequisites: [clause([IDS.definitionUpdates], false), clause([IDS.defender], false)],
      bundled: leaves.map((l) => l.revision.identity),
      padTo: DOC_SIZE,
    });
    if (g % 2 === 0) out.push(bundle, ...leaves);
    else out.push(...leaves, bundle);
  }
  return out.slice(0, n);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
const round = (x: number) => Math.round(x * 100) / 100;

async function timeQuery(store: SiteStore, query: UpdateQuery, runs: number) {
  const times: number[] = [];
  let total = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    total = (await store.queryUpdates(query)).total;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { query, total, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
  const path = join(dir, 'site.db');
  const store = openSqliteSiteStore(path);
  try {
    const updates = syntheticUpdates(UPDATES);
    // Measuring the documents also flattens the concatenated test strings, so the write is not charged for it.
    const xmlBytes = updates.reduce((sum, u) => sum + Buffer.byteLength(u.xml), 0);
    await store.putRevisions(catalogCategories());
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < updates.length; i += BATCH) await store.putRevisions(updates.slice(i, i + BATCH));
    const writeMs = performance.now() - t0;
    const writeCpu = process.cpuUsage(cpu0);

    const ids = updates.map((u) => u.revision.identity);
    const t1 = performance.now();
    const checks = await store.checkRevisions(ids, true);
    const verifyMs = performance.now() - t1;
    const ok = [...checks.values()].filter((c) => c === 'ok').length;

    const queries = [
      await timeQuery(store, { productId: IDS.defender, classificationId: IDS.definitionUpdates }, RUNS),
      await timeQuery(store, { productId: IDS.windows11, classificationId: IDS.securityUpdates }, RUNS),
      await timeQuery(
        store,
        { productId: IDS.windows11, classificationId: IDS.securityUpdates, isSuperseded: false },
        RUNS,
      ),
      await timeQuery(store, { text: 'security update', offset: 500 }, RUNS),
      await timeQuery(store, { kbArticleId: 'KB2267602' }, RUNS),
    ];
    const t2 = performance.now();
    const served = await store.listRevisionsForDownstream({
      config: false,
      products: [{ id: IDS.defender, delta: true }],
      classifications: [{ id: IDS.definitionUpdates, delta: true }],
    });
    const downstreamMs = performance.now() - t2;
    await store.close();

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      updates: updates.length,
      batch: BATCH,
      xmlMB: round(xmlBytes / 1e6),
      writeMs: round(writeMs),
      // CPU time (user + system) of the write: steadier than wall time on a shared machine.
      writeCpuMs: round((writeCpu.user + writeCpu.system) / 1000),
      loadAverage: loadavg().map(round),
      writeRevisionsPerSec: Math.round(updates.length / (writeMs / 1000)),
      verifyAllMs: round(verifyMs),
      verifiedOk: ok,
      downstreamListMs: round(downstreamMs),
      downstreamListed: served.ids.length,
      queries,
      dbFileMB: round(statSync(path).size / 1e6),
      peakRssMB: round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
