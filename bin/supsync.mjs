#!/usr/bin/env node
// The supsync command. `npm install` compiles src/ to dist/ (the `prepare` script); the compiled
// JavaScript starts in about half the time and ~25 MB smaller than compiling TypeScript on the fly
// (bench/results/cli-startup.json). When dist/ is missing or older than any source file (an edited
// checkout), the sources run through tsx.
import { readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// A sync's live heap stays under ~50 MB, but with V8's default growth factor garbage accumulates to
// ~150 MB before a full collection: a 30k-update first full sync peaked at 277 MB RSS, and 211 MB
// in the same time when the old generation grows by at most 20 % per collection (one-off runs; the
// capped result is recorded in bench/results/sync.json). The flag is read whenever V8 recomputes
// its limits, so setting it here, at start-up, takes effect.
setFlagsFromString('--heap-growing-percent=20');

// A reader that stops early (`supsync updates list | head`) closes the pipe: end quietly with the
// exit code so far, as other command-line tools do, instead of dying on the write error.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const root = new URL('../', import.meta.url);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(new URL('dist/.built', root)).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = builtAt();
let main;
if (process.env.SUPSYNC_FROM_SOURCE !== '1' && built !== undefined && built >= newestSource(new URL('src/', root))) {
  ({ main } = await import(new URL('dist/cli/main.js', root).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('src/cli/main.ts', root).href));
}
process.exitCode = await main(process.argv);
