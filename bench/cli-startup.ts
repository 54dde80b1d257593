/**
 * Start-up of the `supsync` command: `supsync --version` as its own process, running the compiled
 * JavaScript (what `npm install` builds; run `npm run build` first) and the TypeScript sources
 * through tsx (SUPSYNC_FROM_SOURCE=1). Wall time and peak RSS, median of the runs, alternating.
 *
 *   node --import tsx bench/cli-startup.ts [runs]     (default 7)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const runs = Number(process.argv[2] ?? 7);
const CLI = new URL('../bin/supsync.mjs', import.meta.url).pathname;
const PEAK_RSS = new URL('./peak-rss.mjs', import.meta.url).href;

function once(fromSource: boolean): { ms: number; rssMb: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', PEAK_RSS, CLI, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, SUPSYNC_FROM_SOURCE: fromSource ? '1' : '' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`supsync --version failed: ${r.stderr}`);
  const kb = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1]);
  return { ms, rssMb: kb / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? Number.NaN) * 10) / 10;
};
const samples = { compiled: [] as { ms: number; rssMb: number }[], sources: [] as { ms: number; rssMb: number }[] };
for (let i = 0; i < runs; i++) {
  samples.compiled.push(once(false));
  samples.sources.push(once(true));
}
const summary = (xs: { ms: number; rssMb: number }[]) => ({
  medianMs: median(xs.map((x) => x.ms)),
  medianPeakRssMb: median(xs.map((x) => x.rssMb)),
});
const result = {
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() },
  runs,
  compiled: summary(samples.compiled),
  sources: summary(samples.sources),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/cli-startup.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
