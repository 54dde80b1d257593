import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractCabinet, openCabinet } from '../../../src/wsusss/cab/index.ts';
import { expected, isCabError, outcome, readVector, sha256 } from './cab-test-helpers.ts';

// large-files-cab.cab holds one 14.7 MB member that is itself a cabinet: three folders (MSZIP,
// LZX with a 32 KiB window, LZX with a 2 MiB window) each declaring a 2 GiB file of one repeated
// line. Decoding them must stay bounded: refused by extractCabinet's limit, streamable in part.
const LINE = 'Fabulous secret powers were revealed to me the day I held aloft\n';

function innerCabinet(): Uint8Array {
  const [outer] = extractCabinet(readVector('large-files-cab.cab'));
  assert.ok(outer !== undefined);
  assert.equal(sha256(outer.data), expected['large-files-cab.cab']!.members[0]!.sha256);
  return outer.data;
}

describe('bounded output', () => {
  const inner = innerCabinet();

  test('the inner cabinet lists three 2 GiB members without decoding anything', () => {
    const reader = openCabinet(inner);
    assert.deepEqual(
      reader.members.map((m) => [m.name, m.size, m.compression]),
      [
        ['mszip-2gb.txt', 2147450880, 'mszip'],
        ['lzx15-2gb.txt', 2147450880, 'lzx'],
        ['lzx21-2gb.txt', 2147450880, 'lzx'],
      ],
    );
  });

  test('extractCabinet refuses it with the default limit, quickly and without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    const { error, ms } = outcome(() => extractCabinet(inner));
    assert.ok(isCabError(error) && error.code === 'CAB_UNSUPPORTED', String(error));
    assert.match(error.message, /limit of 268435456 bytes/);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  for (const index of [0, 1, 2]) {
    test(`member ${index}: a streamed 3 MiB prefix is the repeated line, then decoding stops`, () => {
      const reader = openCabinet(inner);
      const want = Buffer.from(LINE.repeat(Math.ceil((3 << 20) / LINE.length) + 1), 'latin1');
      let seen = 0;
      let calls = 0;
      reader.streamMember(index, (chunk) => {
        calls++;
        // Compared chunk by chunk: nothing but the current chunk is held.
        assert.ok(Buffer.from(chunk).equals(want.subarray(seen, seen + chunk.length)), `at ${seen}`);
        seen += chunk.length;
        return seen < 3 << 20;
      });
      assert.equal(seen, 3 << 20); // 96 whole 32 KiB blocks: more than the 2 MiB window, wrapped
      assert.equal(calls, 96);
    });
  }

  test('maxOutputBytes counts what a call returns; selecting fewer members fits under it', () => {
    const simple = readVector('simple.cab'); // hello.c (77 bytes) + welcome.c (74 bytes)
    assert.throws(
      () => extractCabinet(simple, { maxOutputBytes: 150 }),
      (e) => isCabError(e) && e.code === 'CAB_UNSUPPORTED',
    );
    assert.equal(extractCabinet(simple, { maxOutputBytes: 151 }).length, 2);
    const reader = openCabinet(simple, { maxOutputBytes: 77 });
    const [hello] = reader.extract((m) => m.name === 'hello.c');
    assert.equal(hello?.data.length, 77);
    // welcome.c lies at folder offset 77, so decoding it alone still decodes 151 bytes.
    assert.throws(() => reader.extract((m) => m.name === 'welcome.c'), isCabError);
  });
});
