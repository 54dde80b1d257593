import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { LzxDecoder } from '../../../src/wsusss/cab/lzx.ts';
import { buildHuffmanTable, createHuffmanTable } from '../../../src/wsusss/cab/lzx-huffman.ts';
import { translateE8 } from '../../../src/wsusss/cab/lzx-output.ts';
import { isCabError, prng } from './cab-test-helpers.ts';

const corrupt = (re?: RegExp) => (e: unknown) =>
  isSupsyncError(e, 'CAB_CORRUPT') && (re === undefined || re.test(e.message));

/** Writes an LZX bitstream: bits MSB first into little-endian 16-bit words, then raw bytes. */
class LzxStreamWriter {
  private readonly out: number[] = [];
  private word = 0;
  private used = 0;

  bits(value: number, count: number): this {
    for (let i = count - 1; i >= 0; i--) {
      this.word = (this.word << 1) | ((value >>> i) & 1);
      if (++this.used === 16) {
        this.out.push(this.word & 0xff, this.word >>> 8);
        this.word = 0;
        this.used = 0;
      }
    }
    return this;
  }

  /** Block type + 24-bit size, as the spec lays them out. */
  blockHeader(type: number, size: number): this {
    return this.bits(type, 3)
      .bits(size >>> 16, 8)
      .bits((size >>> 8) & 0xff, 8)
      .bits(size & 0xff, 8);
  }

  /** A stored block's 1-16 bits of padding, then R0..R2 and the data (and a pad byte if odd). */
  stored(data: Uint8Array, r: [number, number, number] = [1, 1, 1], padOdd = true): this {
    this.bits(0, 16 - this.used);
    for (const v of r) this.out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    this.out.push(...data);
    if (padOdd && data.length % 2 === 1) this.out.push(0);
    return this;
  }

  raw(data: Uint8Array): this {
    this.out.push(...data);
    return this;
  }

  bytes(): Uint8Array {
    assert.equal(this.used, 0, 'unfinished 16-bit word');
    return Uint8Array.from(this.out);
  }
}

const ramp = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('Huffman tables', () => {
  /** Canonical codes the textbook way, to check the table against. */
  function canonical(lengths: number[]): Map<number, { code: number; len: number }> {
    const order = lengths.map((len, sym) => ({ len, sym })).filter((x) => x.len > 0);
    order.sort((a, b) => a.len - b.len || a.sym - b.sym);
    const codes = new Map<number, { code: number; len: number }>();
    let code = 0;
    let prev = order[0]?.len ?? 0;
    for (const { len, sym } of order) {
      code <<= len - prev;
      prev = len;
      codes.set(sym, { code, len });
      code++;
    }
    return codes;
  }

  function lookup(entries: Int32Array, rootBits: number, code: number, len: number): number {
    const bits = (code << (32 - len)) | 0; // left-aligned in a 32-bit buffer, as the decoder holds it
    let e = entries[bits >>> (32 - rootBits)]!;
    if ((e & 31) > 16) e = entries[(e >>> 5) + ((bits << rootBits) >>> (48 - (e & 31)))]!;
    return e;
  }

  test('every code of a complete tree with codes up to 16 bits decodes to its symbol and length', () => {
    // Lengths 1, 2, ..., 15, 16, 16: complete (Kraft sum 1), codes far longer than the root bits.
    const lengths = [...Array.from({ length: 15 }, (_, i) => i + 1), 16, 16];
    const shuffled = [5, 16, 2, 9, 1, 14, 3, 0, 11, 7, 15, 4, 13, 6, 10, 8, 12].map((i) => lengths[i]!);
    for (const rootBits of [4, 6, 8, 12]) {
      const table = createHuffmanTable(shuffled.length, rootBits);
      buildHuffmanTable(table, Uint8Array.from(shuffled), shuffled.length, 'test');
      assert.equal(table.empty, false);
      for (const [sym, { code, len }] of canonical(shuffled)) {
        assert.equal(lookup(table.entries, rootBits, code, len), (sym << 5) | len, `root ${rootBits}, symbol ${sym}`);
      }
    }
  });

  test('over-subscribed and incomplete trees are corrupt; an all-zero tree is empty', () => {
    const table = createHuffmanTable(8, 7);
    assert.throws(() => buildHuffmanTable(table, Uint8Array.from([1, 1, 1]), 3, 'test'), corrupt(/over-subscribed/));
    assert.throws(() => buildHuffmanTable(table, Uint8Array.from([1, 2, 0]), 3, 'test'), corrupt(/incomplete/));
    assert.throws(() => buildHuffmanTable(table, Uint8Array.from([1, 0, 0]), 3, 'test'), corrupt(/incomplete/));
    buildHuffmanTable(table, new Uint8Array(8), 8, 'test');
    assert.equal(table.empty, true);
  });
});

describe('E8 call translation', () => {
  function frameWithCall(at: number, target: number, size = 64): Uint8Array {
    const frame = new Uint8Array(size);
    frame[at] = 0xe8;
    new DataView(frame.buffer).setInt32(at + 1, target, true);
    return frame;
  }
  const operand = (frame: Uint8Array, at: number) => new DataView(frame.buffer).getInt32(at + 1, true);

  test('absolute targets inside the translation size become relative to the call', () => {
    const f = frameWithCall(10, 5000);
    translateE8(f, 32768, 100000);
    assert.equal(operand(f, 10), 5000 - (32768 + 10));
  });

  test('negative targets not before the start of the data get the translation size added', () => {
    const f = frameWithCall(4, -100);
    translateE8(f, 1000, 100000);
    assert.equal(operand(f, 4), -100 + 100000);
  });

  test('targets out of range, and calls in the last 10 bytes of a frame, are left alone', () => {
    for (const [at, target, offset] of [
      [4, 100000, 0], // >= translation size
      [4, -2000, 1000], // before the start of the data
      [54, 50, 0], // within the frame's last 10 bytes
    ] as const) {
      const f = frameWithCall(at, target);
      translateE8(f, offset, 100000);
      assert.equal(operand(f, at), target);
    }
  });

  test('the 4 operand bytes are skipped, so an E8 inside an operand is not a call', () => {
    // Bytes: E8 00 00 E8 32 00 00 00 ... The outer operand (0x32E80000) is out of range; were
    // its bytes scanned, the E8 at 3 would turn its in-range operand 0x32 into 0x32 - 3.
    const f = new Uint8Array(64);
    f.set([0xe8, 0x00, 0x00, 0xe8, 0x32, 0x00, 0x00, 0x00], 0);
    translateE8(f, 0, 100000);
    assert.deepEqual([...f.subarray(0, 8)], [0xe8, 0x00, 0x00, 0xe8, 0x32, 0x00, 0x00, 0x00]);
    f.set([0x90, 0x90, 0x90], 0); // without the outer call, the inner one is translated
    translateE8(f, 0, 100000);
    assert.equal(new DataView(f.buffer).getInt32(4, true), 0x32 - 3);
  });
});

describe('LZX stored blocks (hand-made streams)', () => {
  test('one frame, one stored block', () => {
    const data = ramp(1000);
    const payload = new LzxStreamWriter().bits(0, 1).blockHeader(3, data.length).stored(data).bytes();
    assert.deepEqual(new LzxDecoder(15).decodeFrame(payload, data.length), data);
  });

  test('an odd-length stored block is followed by its pad byte, then the next block', () => {
    const a = ramp(5, 1);
    const b = ramp(9, 2);
    const payload = new LzxStreamWriter()
      .bits(0, 1)
      .blockHeader(3, a.length)
      .stored(a)
      .blockHeader(3, b.length)
      .stored(b)
      .bytes();
    assert.deepEqual(new LzxDecoder(16).decodeFrame(payload, 14), Uint8Array.from([...a, ...b]));
  });

  test('a stored block spanning two frames continues at the start of the next CFDATA payload', () => {
    const data = ramp(40000, 3);
    const first = new LzxStreamWriter()
      .bits(0, 1)
      .blockHeader(3, data.length)
      .stored(data.subarray(0, 32768), [1, 1, 1], false)
      .bytes();
    const second = data.subarray(32768);
    const lzx = new LzxDecoder(17);
    assert.deepEqual(lzx.decodeFrame(first, 32768), data.subarray(0, 32768));
    assert.deepEqual(lzx.decodeFrame(second, second.length), second);
  });

  test('stored data is checked against the payload and the frame', () => {
    const data = ramp(100);
    const payload = new LzxStreamWriter().bits(0, 1).blockHeader(3, data.length).stored(data).bytes();
    assert.throws(() => new LzxDecoder(15).decodeFrame(payload.subarray(0, 60), 100), corrupt(/past the payload/));
    assert.throws(() => new LzxDecoder(15).decodeFrame(payload.subarray(0, 10), 100), corrupt(/past the payload/));
  });

  test('invalid block types and window sizes are corrupt', () => {
    for (const type of [0, 4, 7]) {
      const payload = new LzxStreamWriter().bits(0, 1).blockHeader(type, 10).bits(0, 4).bytes();
      assert.throws(() => new LzxDecoder(15).decodeFrame(payload, 10), corrupt(/invalid block type/));
    }
    assert.throws(() => new LzxDecoder(14), corrupt());
    assert.throws(() => new LzxDecoder(22), corrupt());
    assert.throws(() => new LzxDecoder(15).decodeFrame(new Uint8Array(4), 32769), corrupt());
  });
});

describe('LZX on random input', () => {
  test('random payloads end in CAB_CORRUPT or some output, never another error', () => {
    const random = prng(20240601);
    const start = performance.now();
    let corruptCount = 0;
    for (let i = 0; i < 400; i++) {
      const payload = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      const lzx = new LzxDecoder(15 + Math.floor(random() * 7));
      try {
        for (let frame = 0; frame < 3; frame++) lzx.decodeFrame(payload, 1 + Math.floor(random() * 32768));
      } catch (err) {
        assert.ok(isCabError(err), `case ${i}: ${String(err)}`);
        corruptCount++;
      }
    }
    assert.ok(corruptCount > 300);
    assert.ok(performance.now() - start < 5000);
  });
});
