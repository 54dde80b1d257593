import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readCabinetDirectory } from '../../../src/wsusss/cab/cab-directory.ts';
import { type CabMember, extractCabinet, writeCabinet } from '../../../src/wsusss/cab/index.ts';
import { capturedBlob, isCabError, outcome, prng, readVector, sha256 } from './cab-test-helpers.ts';

// Damaged copies of valid LZX and MSZIP cabinets, made with a seeded PRNG so that a failure can
// be replayed. Every outcome must be a decode or CAB_CORRUPT / CAB_UNSUPPORTED, within a second:
// never a RangeError/TypeError, a hang or a huge allocation.

const SOURCES: readonly { name: string; cab: Uint8Array; cases: number }[] = [
  { name: 'normal_2files_2folders.cab (LZX, MSZIP)', cab: readVector('normal_2files_2folders.cab'), cases: 120 },
  { name: '000014 blob (LZX, aligned blocks)', cab: capturedBlob('000014'), cases: 150 },
  { name: '000016 blob (LZX)', cab: capturedBlob('000016'), cases: 80 },
  {
    name: 'our MSZIP cabinet',
    cab: writeCabinet([{ name: 'a.xml', data: Buffer.from('<x a="1"/>'.repeat(8000)) }]),
    cases: 80,
  },
  { name: 'large-files-cab.cab (449 LZX frames)', cab: readVector('large-files-cab.cab'), cases: 16 },
];

type Damage = 'payload bits' | 'any bits' | 'truncation';

/** A damaged copy; for 'payload bits' the checksums stay and must catch it. */
function damage(cab: Uint8Array, kind: Damage, random: () => number): Uint8Array {
  const copy = Uint8Array.from(cab);
  const dir = readCabinetDirectory(copy);
  const blocks = dir.folders.flatMap((f) => f.blocks);
  const pick = (n: number) => Math.floor(random() * n);
  if (kind === 'truncation') return copy.subarray(0, pick(copy.length));
  if (kind === 'any bits') {
    // Without checksums the decoders themselves meet the damage.
    for (const b of blocks) copy.fill(0, b.headerOffset, b.headerOffset + 4);
    for (let i = 1 + pick(8); i > 0; i--) copy[36 + pick(copy.length - 36)]! ^= 1 + pick(255);
    return copy;
  }
  const withData = blocks.filter((b) => b.compressedSize > 0);
  for (let i = 1 + pick(4); i > 0; i--) {
    const b = withData[pick(withData.length)]!;
    copy[b.dataOffset + pick(b.compressedSize)]! ^= 1 + pick(255);
  }
  return copy;
}

const digest = (members: CabMember[]) => members.map((m) => `${m.name}:${sha256(m.data)}`);

describe('damaged cabinets', () => {
  for (const { name, cab, cases } of SOURCES) {
    test(`${name}: ${cases} damaged copies`, () => {
      const original = digest(extractCabinet(cab));
      const random = prng(cab.length);
      const tally = { decoded: 0, rejected: 0 };
      for (let i = 0; i < cases; i++) {
        const kind = (['payload bits', 'any bits', 'truncation'] as const)[i % 3]!;
        const damaged = damage(cab, kind, random);
        let members: CabMember[] | undefined;
        const { error, ms } = outcome(() => {
          members = extractCabinet(damaged);
        });
        const where = `${name} case ${i} (${kind})`;
        assert.ok(ms < 1000, `${where}: ${ms} ms`);
        if (error !== undefined) {
          assert.ok(isCabError(error), `${where}: ${String(error)}`);
          tally.rejected++;
          continue;
        }
        tally.decoded++;
        assert.notEqual(kind, 'truncation', where);
        // With checksums in place a payload change is either caught or (XOR collisions) harmless.
        if (kind === 'payload bits') assert.deepEqual(digest(members!), original, where);
      }
      assert.ok(tally.rejected > cases / 2, JSON.stringify(tally));
    });
  }
});
