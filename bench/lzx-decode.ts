/**
 * Benchmark: LZX decoding speed on the largest cabinet vector, large-files-cab.cab (one 14.7 MB
 * member, 449 LZX frames, 2 MiB window), through the public extractCabinet, and streamed through
 * openCabinet().streamMember (no 14.7 MB result to allocate, so closer to the decoder alone). The
 * vector is repetitive text, mostly long matches; the 000014 capture (a real 29 KB update blob,
 * timed the same way) shows literal-heavy data and the per-call overhead.
 *
 *   node --import tsx bench/lzx-decode.ts [--runs 15]
 *
 * Prints one JSON line and writes bench/results/lzx-decode.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { extractCabinet, openCabinet } from '../src/wsusss/cab/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

const RUNS = arg('runs', 15);
const VECTOR = new URL('../../shared/fixtures/cab-vectors/large-files-cab.cab', import.meta.url);
const EXPECTED_SHA256 = JSON.parse(
  readFileSync(new URL('../../shared/fixtures/cab-vectors/expected.json', import.meta.url), 'utf8'),
)['large-files-cab.cab'].members[0].sha256 as string;
const CAPTURE = new URL('../../shared/fixtures/wsus-captures/exchanges/000014/response.body', import.meta.url);

function timeRuns(runs: number, work: () => number): { times: number[]; bytes: number } {
  let bytes = work(); // warm-up, also the correctness check below
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    bytes = work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { times, bytes };
}

const round = (n: number) => Math.round(n * 100) / 100;
const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;

const cab = readFileSync(VECTOR);
const first = extractCabinet(cab)[0];
if (first === undefined || createHash('sha256').update(first.data).digest('hex') !== EXPECTED_SHA256) {
  throw new Error('large-files-cab.cab did not decode to the expected member');
}
const large = timeRuns(RUNS, () => extractCabinet(cab)[0]!.data.length);
const mb = large.bytes / 1e6;
const streamed = timeRuns(RUNS, () => {
  let n = 0;
  openCabinet(cab).streamMember(0, (chunk) => {
    n += chunk.length;
    return true;
  });
  return n;
});

const body = readFileSync(CAPTURE, 'utf8');
const blob = Buffer.from(/<XmlUpdateBlobCompressed>([^<]*)</.exec(body)?.[1] ?? '', 'base64');
const small = timeRuns(RUNS * 20, () => extractCabinet(blob)[0]!.data.length);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
  runs: RUNS,
  vector: 'large-files-cab.cab',
  inputBytes: cab.length,
  outputBytes: large.bytes,
  bestMBps: round(mb / (large.times[0]! / 1000)),
  medianMBps: round(mb / (median(large.times) / 1000)),
  bestMs: round(large.times[0]!),
  medianMs: round(median(large.times)),
  streamedBestMBps: round(mb / (streamed.times[0]! / 1000)),
  streamedMedianMBps: round(mb / (median(streamed.times) / 1000)),
  wsusBlob: {
    inputBytes: blob.length,
    outputBytes: small.bytes,
    medianMs: round(median(small.times)),
    medianMBps: round(small.bytes / 1e6 / (median(small.times) / 1000)),
  },
  peakRssMB: round(process.resourceUsage().maxRSS / 1024),
};
console.log(JSON.stringify(result));
const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('lzx-decode.json', out), `${JSON.stringify(result, null, 2)}\n`);
