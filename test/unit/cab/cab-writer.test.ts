import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { readCabinetDirectory } from '../../../src/wsusss/cab/cab-directory.ts';
import { extractCabinet, extractSingleMember, openCabinet, writeCabinet } from '../../../src/wsusss/cab/index.ts';
import { CAPTURES, capturedBlob, prng } from './cab-test-helpers.ts';

function randomBytes(n: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

function text(n: number): Uint8Array {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `<upd:File Digest="${(i * 2654435761) >>> 0}" Size="${i * 37}" />\n`;
  return Buffer.from(s.slice(0, n), 'latin1');
}

const MEMBERS = [
  { name: 'empty.txt', data: new Uint8Array(0) },
  { name: 'small.txt', data: Buffer.from('hello, cabinet\n') },
  { name: 'random.bin', data: randomBytes(100 * 1024, 7) },
  { name: 'dir\\text.xml', data: text(200 * 1024) },
];

describe('writeCabinet', () => {
  for (const compression of ['mszip', 'none'] as const) {
    test(`${compression}: members round-trip through extractCabinet`, () => {
      const cab = writeCabinet(MEMBERS, { compression });
      const back = extractCabinet(cab);
      assert.deepEqual(
        back.map((m) => [m.name, Buffer.from(m.data).toString('hex')]),
        MEMBERS.map((m) => [m.name, Buffer.from(m.data).toString('hex')]),
      );
      const dir = readCabinetDirectory(cab);
      const folder = dir.folders[0]!;
      assert.equal(dir.folders.length, 1);
      assert.equal(folder.compression, compression);
      // 300 KiB + 15 bytes of data in 32 KiB blocks, each with a checksum.
      assert.equal(folder.blocks.length, Math.ceil((300 * 1024 + 15) / 32768));
      for (const b of folder.blocks) assert.notEqual(b.checksum, 0);
    });
  }

  test('MSZIP compresses, using history across 32 KiB blocks', () => {
    const data = text(200 * 1024);
    const size = writeCabinet([{ name: 'a', data }]).length;
    assert.ok(size < data.length / 4, `${size} bytes`);
  });

  test('a damaged block fails its checksum', () => {
    const cab = writeCabinet([{ name: 'a.txt', data: text(5000) }]);
    const block = readCabinetDirectory(cab).folders[0]!.blocks[0]!;
    cab[block.dataOffset + 10]! ^= 0x01;
    assert.throws(
      () => extractCabinet(cab),
      (e) => isSupsyncError(e, 'CAB_CORRUPT') && /checksum/.test(e.message),
    );
  });

  test('non-ASCII names are stored as flagged UTF-8', () => {
    const cab = writeCabinet([{ name: 'Größe/数据.txt', data: new Uint8Array([1]) }]);
    const [m] = extractCabinet(cab);
    assert.equal(m?.name, 'Größe/数据.txt');
    assert.equal((m?.attributes ?? 0) & 0x80, 0x80);
    assert.equal(
      (extractCabinet(writeCabinet([{ name: 'blob', data: new Uint8Array(1) }]))[0]?.attributes ?? 0) & 0x80,
      0,
    );
  });

  test('what a cabinet cannot hold is refused', () => {
    const refused = (e: unknown) => isSupsyncError(e, 'CAB_UNSUPPORTED');
    assert.throws(() => writeCabinet([]), refused);
    assert.throws(() => writeCabinet([{ name: '', data: new Uint8Array(0) }]), refused);
    assert.throws(() => writeCabinet([{ name: 'x'.repeat(256), data: new Uint8Array(0) }]), refused);
    assert.throws(() => writeCabinet([{ name: 'a\0b', data: new Uint8Array(0) }]), refused);
  });

  test('an XmlUpdateBlobCompressed cabinet as our server sends it: one member "blob", UTF-16LE XML', () => {
    const xml = Buffer.from(extractSingleMember(capturedBlob('000014')));
    const cab = writeCabinet([{ name: 'blob', data: xml }]);
    assert.deepEqual(Buffer.from(extractSingleMember(cab)), xml);
    assert.deepEqual(
      openCabinet(cab).members.map((m) => [m.name, m.size, m.compression]),
      [['blob', xml.length, 'mszip']],
    );
  });

  // A cross-check with an independent decoder: skipped where cabextract is not installed, unless
  // SUPSYNC_REQUIRE_CABEXTRACT=1 (set by CI, which installs it), when it fails instead.
  const hasCabextract =
    spawnSync('cabextract', ['--version']).status === 0 || process.env.SUPSYNC_REQUIRE_CABEXTRACT === '1';
  test('cabextract accepts what we write', { skip: hasCabextract ? false : 'cabextract is not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'supsync-cab-'));
    try {
      for (const compression of ['mszip', 'none'] as const) {
        const file = join(dir, `${compression}.cab`);
        writeFileSync(file, writeCabinet(MEMBERS.slice(1), { compression }));
        assert.equal(spawnSync('cabextract', ['-t', file]).status, 0);
        const piped = spawnSync('cabextract', ['-p', '-F', 'random.bin', file], { maxBuffer: 1 << 24 });
        assert.deepEqual(piped.stdout, Buffer.from(MEMBERS[2]!.data));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('real MS-WSUSSS blobs (XmlUpdateBlobCompressed)', () => {
  const cases = [
    ['000014', '266f6222-c89d-43f2-9f8a-69340271e677-r200.xml'],
    ['000016', '56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml'],
  ] as const;
  for (const [exchange, doc] of cases) {
    test(`${exchange}: one LZX member "blob", UTF-16LE without BOM, equal to ${doc}`, () => {
      const cab = capturedBlob(exchange);
      assert.deepEqual(
        openCabinet(cab).members.map((m) => [m.name, m.compression]),
        [['blob', 'lzx']],
      );
      assert.equal(readCabinetDirectory(cab).folders[0]?.typeCompress, 0x1503); // LZX, 2 MiB window
      const utf16 = Buffer.from(extractSingleMember(cab));
      assert.notDeepEqual([...utf16.subarray(0, 2)], [0xff, 0xfe]);
      const want = readFileSync(new URL(`docs/${doc}`, CAPTURES));
      // The decoded documents were saved as UTF-8 without a trailing newline, as the blob ends.
      assert.notEqual(want.at(-1), 0x0a);
      assert.ok(Buffer.from(utf16.toString('utf16le'), 'utf8').equals(want));
    });
  }
});
