/**
 * The `supsync` launcher (bin/supsync.mjs) runs the compiled JavaScript only while it is at least as
 * new as every source file, so an edited checkout never runs stale code. Checked on a copy of the
 * launcher in a throwaway tree whose two entry points say which one ran.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const REPO = new URL('../../', import.meta.url).pathname;

describe('supsync launcher', () => {
  let root = '';
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'supsync.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, SUPSYNC_FROM_SOURCE: '', ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const setTime = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'supsync-launcher-'));
    for (const dir of ['bin', 'src/cli', 'dist/cli']) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(join(REPO, 'bin', 'supsync.mjs'), join(root, 'bin', 'supsync.mjs'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    const entry = (which: string) => `export async function main() { console.log('${which}'); return 0; }\n`;
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), entry('sources'));
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), entry('compiled'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('runs the sources when nothing was built', () => {
    assert.equal(run(), 'sources');
  });

  it('runs the compiled JavaScript when the build is newer than every source', () => {
    setTime(join(root, 'src', 'cli', 'main.ts'), 1_700_000_000);
    writeFileSync(join(root, 'dist', '.built'), 'built\n');
    setTime(join(root, 'dist', '.built'), 1_700_000_100);
    assert.equal(run(), 'compiled');
    assert.equal(run({ SUPSYNC_FROM_SOURCE: '1' }), 'sources', 'unless told to run the sources');
  });

  it('runs the sources again once a source file is edited after the build', () => {
    setTime(join(root, 'src', 'cli', 'main.ts'), 1_700_000_200);
    assert.equal(run(), 'sources');
  });
});
