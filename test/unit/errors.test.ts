import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, SupsyncError, toSupsyncError } from '../../src/shared/errors.ts';

test('docs/errors.md lists exactly the codes in src/shared/errors.ts, with the same meaning', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([A-Z_]+)` \| (.+?) \|$/gm)) rows.set(m[1] as string, m[2] as string);
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, meaning] of Object.entries(ERROR_CODES)) assert.equal(rows.get(code), meaning, code);
});

test('toSupsyncError keeps codes and wraps foreign errors as INTERNAL', () => {
  const e = new SupsyncError('CAB_CORRUPT', 'bad');
  assert.equal(toSupsyncError(e), e);
  assert.equal(toSupsyncError(new Error('x')).code, 'INTERNAL');
  const abort = new Error('stop');
  abort.name = 'AbortError';
  assert.equal(toSupsyncError(abort).code, 'ABORTED');
});
