/**
 * Benchmark: how fast the codec decodes the two big MS-WSUSSS responses, against a bare saxes pass
 * over the same bytes (namespace processing on, only counting elements), which is the floor the
 * codec cannot beat. Also: the same decode fed in 64 KB chunks (as from an HTTP body), and encoding.
 * Variants run alternately so a busy machine slows all of them alike; see `loadAverage`.
 *
 *   node --import tsx bench/soap-parse.ts [--revisions 100000] [--runs 7]
 *
 * Prints a table and writes bench/results/soap-parse.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import type { ServerSyncUpdateData, WsusssResponse } from '../src/wsusss/messages/index.ts';
import { decodeResponse, encodeResponse } from '../src/wsusss/messages/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

const REVISIONS = arg('revisions', 100_000);
const RUNS = arg('runs', 7);
const CHUNK = 64 * 1024;

/** Deterministic GUID-like ids so runs are comparable. */
function guid(i: number): string {
  const h = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
  const t = i.toString(16).padStart(12, '0');
  return `${h}-${t.slice(0, 4)}-4${t.slice(4, 7)}-8${t.slice(7, 10)}-${t}`;
}

function revisionListBody(n: number): Buffer {
  const newRevisions = Array.from({ length: n }, (_, i) => ({ updateId: guid(i), revisionNumber: 100 + (i % 150) }));
  return Buffer.from(
    encodeResponse({
      operation: 'GetRevisionIdList',
      result: { anchor: '9438,2026-10-04 16:33:26.671', newRevisions },
    }),
  );
}

/** A plausible update document of about `size` characters (markup that needs escaping, like real ones). */
function updateDocument(i: number, size: number): string {
  const head = `<upd:Update xmlns:pub="http://schemas.microsoft.com/msus/2002/12/Publishing" xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update"><upd:UpdateIdentity UpdateID="${guid(i)}" RevisionNumber="200" /><upd:Properties UpdateType="Software" PublicationState="Published" />`;
  const rule = `<upd:ApplicabilityRules><upd:IsInstalled><bar:RegSz Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates" Value="AVSignatureVersion" Comparison="GreaterThanOrEqualTo" Data="1.4${i}.0" /></upd:IsInstalled></upd:ApplicabilityRules>`;
  let body = head;
  while (body.length < size) body += rule;
  return `${body}</upd:Update>`;
}

function updateDataBody(count: number): Buffer {
  const updates: ServerSyncUpdateData[] = [];
  for (let i = 0; i < count; i++) {
    const id = { updateId: guid(i), revisionNumber: 200 };
    // Half plain escaped text (as WSUS sends small documents), half 8 KB base64 payloads standing in
    // for cabinets (decodeResponse keeps them as base64 text; unpacking is the CAB module's cost).
    const blob =
      i % 2 === 0
        ? { compressed: false as const, xml: updateDocument(i, 2400) }
        : { compressed: true as const, cabBase64: Buffer.from(updateDocument(i, 8000)).toString('base64') };
    updates.push({ id, fileDigestList: [Buffer.from(guid(i)).subarray(0, 20).toString('base64')], blob });
  }
  return Buffer.from(encodeResponse({ operation: 'GetUpdateData', result: { updates, fileUrls: [] } }));
}

function bareSaxes(bytes: Buffer): number {
  let elements = 0;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', () => {
    elements++;
  });
  parser.write(new TextDecoder('utf-8').decode(bytes)).close();
  return elements;
}

async function* chunked(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

/** Runs the variants alternately (the machine may be shared), returning each one's median in ms. */
async function medians(variants: readonly (() => unknown)[]): Promise<number[]> {
  const times = variants.map((): number[] => []);
  for (const run of variants) await run(); // warm-up
  for (let i = 0; i < RUNS; i++) {
    for (const [v, run] of variants.entries()) {
      const t = performance.now();
      await run();
      times[v]?.push(performance.now() - t);
    }
  }
  return times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? Number.NaN);
}

interface Row {
  readonly message: string;
  readonly bytes: number;
  readonly saxesMBps: number;
  readonly decodeMBps: number;
  readonly streamedDecodeMBps: number;
  readonly encodeMBps: number;
  /** decode time / bare saxes time. */
  readonly ratio: number;
  readonly saxesMs: number;
  readonly decodeMs: number;
}

async function measure(message: string, bytes: Buffer, operation: 'GetRevisionIdList' | 'GetUpdateData'): Promise<Row> {
  const mb = bytes.length / 1e6;
  const decoded = await decodeResponse(operation, bytes);
  const [saxesMs = 0, decodeMs = 0, streamedMs = 0, encodeMs = 0] = await medians([
    () => bareSaxes(bytes),
    () => decodeResponse(operation, bytes),
    () => decodeResponse(operation, chunked(bytes)),
    () => encodeResponse(decoded as WsusssResponse),
  ]);
  const mbps = (ms: number) => round(mb / (ms / 1000));
  return {
    message,
    bytes: bytes.length,
    saxesMBps: mbps(saxesMs),
    decodeMBps: mbps(decodeMs),
    streamedDecodeMBps: mbps(streamedMs),
    encodeMBps: mbps(encodeMs),
    ratio: round(decodeMs / saxesMs),
    saxesMs: round(saxesMs),
    decodeMs: round(decodeMs),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Peak memory of one streamed decode, measured in a fresh process that reads the body from a file
 * (as from a socket), so the benchmark's own buffers do not count.
 */
function rssProbe(path: string): { baselineRssMB: number; peakRssMB: number; revisions: number } {
  const script = `
    import { createReadStream } from 'node:fs';
    import { decodeResponse } from ${JSON.stringify(new URL('../src/wsusss/messages/index.ts', import.meta.url).href)};
    const baseline = process.memoryUsage().rss;
    const r = await decodeResponse('GetRevisionIdList', createReadStream(${JSON.stringify(path)}, { highWaterMark: 65536 }));
    console.log(JSON.stringify({ baseline, peakKB: process.resourceUsage().maxRSS, revisions: r.result.newRevisions.length }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const probe = JSON.parse(out) as { baseline: number; peakKB: number; revisions: number };
  return {
    baselineRssMB: round(probe.baseline / 2 ** 20),
    peakRssMB: round(probe.peakKB / 1024),
    revisions: probe.revisions,
  };
}

const revisionList = revisionListBody(REVISIONS);
const updateData = updateDataBody(100);

const rows = [
  await measure(`GetRevisionIdList, ${REVISIONS} identities`, revisionList, 'GetRevisionIdList'),
  await measure('GetUpdateData, 100 updates', updateData, 'GetUpdateData'),
];
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpuCount: cpus().length,
  runs: RUNS,
  loadAverage: loadavg().map(round),
  rows,
  streamedRevisionListMemory: (() => {
    const dir = mkdtempSync(join(tmpdir(), 'supsync-bench-'));
    try {
      const path = join(dir, 'revisions.xml');
      writeFileSync(path, revisionList);
      return rssProbe(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })(),
  benchProcessPeakRssMB: round(process.resourceUsage().maxRSS / 1024),
};
console.table(rows);
const mem = result.streamedRevisionListMemory;
console.log(
  `one streamed decode of the ${REVISIONS}-identity list in a fresh process: RSS ${mem.baselineRssMB} MB at start, peak ${mem.peakRssMB} MB`,
);
console.log(
  `benchmark process peak RSS ${result.benchProcessPeakRssMB} MB, load average ${result.loadAverage.join(' ')}`,
);
const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('soap-parse.json', out), `${JSON.stringify(result, null, 2)}\n`);
