import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { cabChecksum } from '../../../src/wsusss/cab/cab-checksum.ts';
import { readCabinetDirectory } from '../../../src/wsusss/cab/cab-directory.ts';
import { extractCabinet } from '../../../src/wsusss/cab/index.ts';
import { readVector } from './cab-test-helpers.ts';

/** CSUMCompute as [MS-CAB] describes it, spelled out byte by byte as an independent reference. */
function referenceChecksum(bytes: Uint8Array, seed = 0): number {
  let csum = seed >>> 0;
  const words = Math.floor(bytes.length / 4);
  for (let w = 0; w < words; w++) {
    const b = bytes.subarray(w * 4, w * 4 + 4);
    csum = (csum ^ (b[0]! + b[1]! * 0x100 + b[2]! * 0x10000 + b[3]! * 0x1000000)) >>> 0;
  }
  const rest = bytes.subarray(words * 4);
  let tail = 0;
  if (rest.length === 3) tail = rest[0]! * 0x10000 + rest[1]! * 0x100 + rest[2]!;
  if (rest.length === 2) tail = rest[0]! * 0x100 + rest[1]!;
  if (rest.length === 1) tail = rest[0]!;
  return (csum ^ tail) >>> 0;
}

describe('CFDATA checksum', () => {
  test('matches the reference for every tail length and seed', () => {
    const data = Uint8Array.from({ length: 23 }, (_, i) => (i * 89 + 17) & 0xff);
    for (let n = 0; n <= data.length; n++) {
      for (const seed of [0, 0xdeadbeef]) {
        assert.equal(cabChecksum(data.subarray(0, n), seed), referenceChecksum(data.subarray(0, n), seed), `n=${n}`);
      }
    }
  });

  test("simple.cab's stored checksum is the payload's, then cbData and cbUncomp", () => {
    const cab = readVector('simple.cab');
    const block = readCabinetDirectory(cab).folders[0]!.blocks[0]!;
    const payload = cab.subarray(block.dataOffset, block.dataOffset + block.compressedSize);
    const sizes = cab.subarray(block.headerOffset + 4, block.headerOffset + 8);
    assert.equal(referenceChecksum(sizes, referenceChecksum(payload)), block.checksum);
  });

  test('with per-block reserved bytes, both readings of the checksum are accepted', () => {
    // reserve_--D.cab carries 24 reserved bytes in each CFDATA and stores no checksums; give its
    // blocks checksums computed (a) over the payload and sizes only, as libmspack does, and
    // (b) over cbData..end of payload including the reserve, as [MS-CAB] words it.
    for (const includeReserve of [false, true]) {
      const cab = Uint8Array.from(readVector('reserve_--D.cab'));
      const dir = readCabinetDirectory(cab);
      assert.equal(dir.dataReserve, 24);
      for (const b of dir.folders[0]!.blocks) {
        const payload = cab.subarray(b.dataOffset, b.dataOffset + b.compressedSize);
        const sizes = cab.subarray(b.headerOffset + 4, b.headerOffset + 8);
        const sum = includeReserve
          ? referenceChecksum(cab.subarray(b.headerOffset + 4, b.dataOffset + b.compressedSize))
          : referenceChecksum(sizes, referenceChecksum(payload));
        new DataView(cab.buffer).setUint32(b.headerOffset, sum, true);
      }
      assert.deepEqual(
        extractCabinet(cab).map((m) => Buffer.from(m.data).toString()),
        extractCabinet(readVector('reserve_--D.cab')).map((m) => Buffer.from(m.data).toString()),
      );
      const first = dir.folders[0]!.blocks[0]!;
      cab[first.headerOffset]! ^= 0x40;
      assert.throws(
        () => extractCabinet(cab),
        (e) => isSupsyncError(e, 'CAB_CORRUPT') && /checksum/.test(e.message),
      );
    }
  });
});
