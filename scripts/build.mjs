// Compiles src/ to dist/ (run by `npm install` through the `prepare` script, or `npm run build`).
// dist/.built marks a finished build; bin/supsync.mjs runs dist/ only while no source is newer.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(new URL('dist/', root), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('supsync: build failed; the command falls back to running the TypeScript sources');
  process.exit(result.status ?? 1);
}
writeFileSync(new URL('dist/.built', root), `${new Date().toISOString()}\n`);
