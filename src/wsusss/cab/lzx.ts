/**
 * LZX decompression as used in MS-CAB folders (typeCompress 0x0003 | window bits << 8), written
 * from [MS-PATCH] section 2 ("LZX DELTA"; CAB's LZX is the same format without reference data) and
 * [MS-CAB] section 2.
 *
 * The compressed stream of a folder is cut into frames: each CFDATA block holds one frame, which
 * decodes to exactly `cbUncomp` bytes (32 KiB except for the last). Huffman trees, repeated offsets
 * and the window carry over from frame to frame, and an LZX block may span frames; only the bit
 * reader restarts on the next 16-bit boundary, i.e. at the start of the next CFDATA payload.
 * Bits are read MSB first from little-endian 16-bit words.
 *
 * Everything an input controls is checked, so a hostile stream ends in CAB_CORRUPT rather than a
 * RangeError, an endless loop or output past the frame: bit reads past the end of the payload,
 * bad trees, match offsets before the start of the data, matches crossing a frame or block end.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { buildHuffmanTable, createHuffmanTable, type HuffmanTable } from './lzx-huffman.ts';
import { copyMatch, translateE8 } from './lzx-output.ts';

const FRAME_SIZE = 0x8000;
const BLOCK_VERBATIM = 1;
const BLOCK_ALIGNED = 2;
const BLOCK_UNCOMPRESSED = 3;
const MIN_MATCH = 2;
const NUM_CHARS = 256;
const PRETREE_SYMBOLS = 20;
const LENGTH_SYMBOLS = 249;
const ALIGNED_SYMBOLS = 8;
const MAIN_ROOT_BITS = 12;
const LENGTH_ROOT_BITS = 10;
const ALIGNED_ROOT_BITS = 7;
const PRETREE_ROOT_BITS = 8;
/** E8 translation only applies to the first 32768 frames (1 GiB) of a stream. */
const E8_FRAME_LIMIT = 32768;
/** Zero bytes kept after the copied payload so that bit refills may look ahead without checks. */
const INPUT_SLACK = 16;

/** Position slots per window size, from 2^15 to 2^21. */
const POSITION_SLOTS: Readonly<Record<number, number>> = { 15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50 };

/** Extra (footer) bits and base offset of every position slot: the spec's two tables, computed. */
const EXTRA_BITS = new Uint8Array(50);
const POSITION_BASE = new Int32Array(50);
for (let slot = 0, base = 0; slot < 50; slot++) {
  const extra = slot < 4 ? 0 : Math.min((slot >>> 1) - 1, 17);
  EXTRA_BITS[slot] = extra;
  POSITION_BASE[slot] = base;
  base += 1 << extra;
}

const corrupt = (message: string) => new SupsyncError('CAB_CORRUPT', `LZX: ${message}`);

/** Decodes the frames of one LZX folder in order. One instance per folder. */
export class LzxDecoder {
  private readonly windowSize: number;
  private readonly window: Uint8Array;
  private readonly mainSymbols: number;
  private wpos = 0;
  private wrapped = false;
  private frameIndex = 0;
  private folderOffset = 0;
  private r0 = 1;
  private r1 = 1;
  private r2 = 1;
  private headerRead = false;
  /** E8 translation size from the stream header; 0 when translation is off. */
  private e8Size = 0;
  private blockType = 0;
  private blockRemaining = 0;
  private blockOdd = false;
  /** An odd uncompressed block ended exactly at a frame end with its pad byte not yet seen. */
  private padPending = false;

  // Bit reader over the current frame's payload (copied into `input`, zero-padded).
  private input = new Uint8Array(FRAME_SIZE * 2 + INPUT_SLACK);
  private inEnd = 0;
  private pos = 0;
  private bitBuf = 0;
  private bitsLeft = 0;

  private readonly mainLengths: Uint8Array;
  private readonly lengthLengths = new Uint8Array(LENGTH_SYMBOLS);
  private readonly alignedLengths = new Uint8Array(ALIGNED_SYMBOLS);
  private readonly pretreeLengths = new Uint8Array(PRETREE_SYMBOLS);
  private readonly mainTable: HuffmanTable;
  private readonly lengthTable = createHuffmanTable(LENGTH_SYMBOLS, LENGTH_ROOT_BITS);
  private readonly alignedTable = createHuffmanTable(ALIGNED_SYMBOLS, ALIGNED_ROOT_BITS);
  private readonly pretreeTable = createHuffmanTable(PRETREE_SYMBOLS, PRETREE_ROOT_BITS);
  private readonly e8Buffer = new Uint8Array(FRAME_SIZE);

  /**
   * @param windowBits log2 of the window size, 15..21 (bits 8-12 of `typeCompress`).
   * @param totalOutput the folder's decoded size when known: a stream shorter than the window
   *   never wraps, so a smaller buffer is enough (a 29 KB update blob needs 32 KiB, not 2 MiB).
   */
  constructor(windowBits: number, totalOutput = Number.POSITIVE_INFINITY) {
    const slots = POSITION_SLOTS[windowBits];
    if (slots === undefined) throw corrupt(`window 2^${windowBits} is outside 2^15..2^21`);
    const frames = Math.max(1, Math.ceil(totalOutput / FRAME_SIZE));
    this.windowSize = Math.min(1 << windowBits, frames * FRAME_SIZE);
    this.window = new Uint8Array(this.windowSize);
    this.mainSymbols = NUM_CHARS + slots * 8;
    this.mainLengths = new Uint8Array(this.mainSymbols);
    this.mainTable = createHuffmanTable(this.mainSymbols, MAIN_ROOT_BITS);
  }

  /**
   * Decodes the next frame from one CFDATA payload into exactly `outputSize` (1..32768) bytes.
   * The returned view is only valid until the next call.
   */
  decodeFrame(payload: Uint8Array, outputSize: number): Uint8Array {
    if (outputSize < 1 || outputSize > FRAME_SIZE || this.wpos + outputSize > this.windowSize) {
      throw corrupt(`frame ${this.frameIndex} of ${outputSize} bytes does not fit the window`);
    }
    this.startInput(payload);
    if (!this.headerRead) {
      this.headerRead = true;
      if (this.readBits(1) === 1) this.e8Size = ((this.readBits(16) << 16) | this.readBits(16)) >>> 0;
    }
    const frameStart = this.wpos;
    const frameEnd = frameStart + outputSize;
    while (this.wpos < frameEnd) {
      if (this.blockRemaining === 0) this.readBlockHeader();
      const runEnd = Math.min(frameEnd, this.wpos + this.blockRemaining);
      const before = this.wpos;
      if (this.blockType === BLOCK_UNCOMPRESSED) this.copyStored(runEnd);
      else this.decodeCompressed(runEnd);
      this.blockRemaining -= this.wpos - before;
      if (this.blockRemaining === 0 && this.blockType === BLOCK_UNCOMPRESSED) this.endStoredBlock(frameEnd);
    }
    if (this.pos - ((this.bitsLeft >>> 4) << 1) > this.inEnd) {
      throw corrupt(`frame ${this.frameIndex} reads past the end of its ${this.inEnd}-byte payload`);
    }
    const out = this.finishFrame(frameStart, outputSize);
    this.folderOffset += outputSize;
    this.frameIndex++;
    if (this.wpos === this.windowSize) {
      this.wpos = 0;
      this.wrapped = true;
    }
    return out;
  }

  private startInput(payload: Uint8Array): void {
    if (payload.length + INPUT_SLACK > this.input.length) this.input = new Uint8Array(payload.length + INPUT_SLACK);
    this.input.set(payload, 0);
    this.input.fill(0, payload.length, payload.length + INPUT_SLACK);
    this.inEnd = payload.length;
    this.pos = 0;
    this.bitBuf = 0;
    this.bitsLeft = 0;
    if (this.padPending) {
      // The pad byte of an odd stored block that ended with the previous frame opens this payload.
      this.padPending = false;
      this.pos = 1;
    }
  }

  /** Loads one more 16-bit word; refuses to run more than a few bytes past the payload. */
  private refill(): void {
    if (this.pos > this.inEnd + 4) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
    const p = this.pos;
    this.bitBuf |= (this.input[p]! | (this.input[p + 1]! << 8)) << (16 - this.bitsLeft);
    this.bitsLeft += 16;
    this.pos = p + 2;
  }

  /** Reads `n` (1..17) bits. */
  private readBits(n: number): number {
    while (this.bitsLeft < n) this.refill();
    const v = this.bitBuf >>> (32 - n);
    this.bitBuf <<= n;
    this.bitsLeft -= n;
    return v;
  }

  private readSymbol(table: HuffmanTable, what: string): number {
    if (this.bitsLeft < 16) this.refill();
    const entries = table.entries;
    let e = entries[this.bitBuf >>> (32 - table.rootBits)]!;
    let len = e & 31;
    if (len > 16) {
      e = entries[(e >>> 5) + ((this.bitBuf << table.rootBits) >>> (32 - (len - 16)))]!;
      len = e & 31;
    }
    if (len === 0) throw corrupt(`symbol read from the empty ${what} tree`);
    this.bitBuf <<= len;
    this.bitsLeft -= len;
    return e >>> 5;
  }

  private readBlockHeader(): void {
    const type = this.readBits(3);
    const size = (this.readBits(16) << 8) | this.readBits(8);
    if (type === BLOCK_ALIGNED) {
      for (let i = 0; i < ALIGNED_SYMBOLS; i++) this.alignedLengths[i] = this.readBits(3);
      buildHuffmanTable(this.alignedTable, this.alignedLengths, ALIGNED_SYMBOLS, 'aligned offset');
    }
    if (type === BLOCK_ALIGNED || type === BLOCK_VERBATIM) {
      this.readLengths(this.mainLengths, 0, NUM_CHARS);
      this.readLengths(this.mainLengths, NUM_CHARS, this.mainSymbols);
      buildHuffmanTable(this.mainTable, this.mainLengths, this.mainSymbols, 'main');
      if (this.mainTable.empty) throw corrupt('the main tree has no code lengths');
      this.readLengths(this.lengthLengths, 0, LENGTH_SYMBOLS);
      buildHuffmanTable(this.lengthTable, this.lengthLengths, LENGTH_SYMBOLS, 'length');
    } else if (type === BLOCK_UNCOMPRESSED) {
      this.startStoredBlock();
    } else {
      throw corrupt(`invalid block type ${type} in frame ${this.frameIndex}`);
    }
    this.blockType = type;
    this.blockRemaining = size;
    this.blockOdd = (size & 1) === 1;
  }

  /**
   * Reads code lengths `first..last` as deltas against the previous block's lengths, coded with
   * a fresh 20-symbol pretree: 0-16 delta, 17/18 runs of zeros, 19 a run of one delta.
   */
  private readLengths(lengths: Uint8Array, first: number, last: number): void {
    for (let i = 0; i < PRETREE_SYMBOLS; i++) this.pretreeLengths[i] = this.readBits(4);
    buildHuffmanTable(this.pretreeTable, this.pretreeLengths, PRETREE_SYMBOLS, 'pretree');
    let x = first;
    while (x < last) {
      const code = this.readSymbol(this.pretreeTable, 'pretree');
      if (code <= 16) {
        lengths[x] = (lengths[x]! + 17 - code) % 17;
        x++;
        continue;
      }
      let run: number;
      let value = 0;
      if (code === 17) run = this.readBits(4) + 4;
      else if (code === 18) run = this.readBits(5) + 20;
      else {
        run = this.readBits(1) + 4;
        const delta = this.readSymbol(this.pretreeTable, 'pretree');
        if (delta > 16) throw corrupt(`pretree code ${delta} after a same-length run`);
        value = (lengths[x]! + 17 - delta) % 17;
      }
      if (x + run > last) throw corrupt(`a code length run of ${run} overflows the tree at ${x}/${last}`);
      lengths.fill(value, x, x + run);
      x += run;
    }
  }

  /** Stored block: skip 1-16 bits to the next 16-bit boundary, then R0..R2 as raw bytes. */
  private startStoredBlock(): void {
    const unusedWords = this.bitsLeft >>> 4;
    let p = this.pos - unusedWords * 2;
    if ((this.bitsLeft & 15) === 0) p += 2; // already aligned: a whole 16-bit word of padding
    this.bitBuf = 0;
    this.bitsLeft = 0;
    if (p + 12 > this.inEnd) throw corrupt(`stored block header runs past the payload in frame ${this.frameIndex}`);
    const b = this.input;
    const u32 = (o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
    this.r0 = u32(p);
    this.r1 = u32(p + 4);
    this.r2 = u32(p + 8);
    this.pos = p + 12;
  }

  private copyStored(runEnd: number): void {
    const n = runEnd - this.wpos;
    if (this.pos + n > this.inEnd) throw corrupt(`stored block data runs past the payload in frame ${this.frameIndex}`);
    this.window.set(this.input.subarray(this.pos, this.pos + n), this.wpos);
    this.pos += n;
    this.wpos = runEnd;
  }

  /** After a stored block of odd length one pad byte realigns the stream to 16 bits. */
  private endStoredBlock(frameEnd: number): void {
    if (!this.blockOdd) return;
    if (this.pos < this.inEnd) this.pos++;
    else if (this.wpos === frameEnd) this.padPending = true;
  }

  /** Applies E8 call translation to a copy of the frame when the stream asked for it. */
  private finishFrame(frameStart: number, size: number): Uint8Array {
    const frame = this.window.subarray(frameStart, frameStart + size);
    if (this.e8Size === 0 || this.frameIndex >= E8_FRAME_LIMIT || size <= 10) return frame;
    const out = this.e8Buffer.subarray(0, size);
    out.set(frame);
    translateE8(out, this.folderOffset, this.e8Size);
    return out;
  }

  /**
   * The hot loop of verbatim and aligned blocks: decodes symbols until `runEnd`. Works on local
   * copies of the bit reader and repeated offsets, written back at the end.
   */
  private decodeCompressed(runEnd: number): void {
    const input = this.input;
    const inLimit = this.inEnd + 4;
    const win = this.window;
    const windowSize = this.windowSize;
    const mainE = this.mainTable.entries;
    const lengthE = this.lengthTable.entries;
    const alignedE = this.alignedTable.entries;
    const aligned = this.blockType === BLOCK_ALIGNED;
    const lengthEmpty = this.lengthTable.empty;
    const alignedEmpty = this.alignedTable.empty;
    let bitBuf = this.bitBuf;
    let bitsLeft = this.bitsLeft;
    let pos = this.pos;
    let wpos = this.wpos;
    let r0 = this.r0;
    let r1 = this.r1;
    let r2 = this.r2;
    const maxOffset = this.wrapped ? windowSize : 0;

    while (wpos < runEnd) {
      if (bitsLeft < 16) {
        if (pos > inLimit) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
        bitBuf |= (input[pos]! | (input[pos + 1]! << 8)) << (16 - bitsLeft);
        bitsLeft += 16;
        pos += 2;
      }
      let e = mainE[bitBuf >>> (32 - MAIN_ROOT_BITS)]!;
      let len = e & 31;
      if (len > 16) {
        e = mainE[(e >>> 5) + ((bitBuf << MAIN_ROOT_BITS) >>> (48 - len))]!;
        len = e & 31;
      }
      bitBuf <<= len;
      bitsLeft -= len;
      const sym = e >>> 5;
      if (sym < NUM_CHARS) {
        win[wpos++] = sym;
        continue;
      }

      // A match: the main symbol carries the position slot and a length header.
      let matchLength = (sym - NUM_CHARS) & 7;
      const slot = (sym - NUM_CHARS) >>> 3;
      if (matchLength === 7) {
        if (lengthEmpty) throw corrupt('symbol read from the empty length tree');
        if (bitsLeft < 16) {
          if (pos > inLimit) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
          bitBuf |= (input[pos]! | (input[pos + 1]! << 8)) << (16 - bitsLeft);
          bitsLeft += 16;
          pos += 2;
        }
        let le = lengthE[bitBuf >>> (32 - LENGTH_ROOT_BITS)]!;
        let ll = le & 31;
        if (ll > 16) {
          le = lengthE[(le >>> 5) + ((bitBuf << LENGTH_ROOT_BITS) >>> (48 - ll))]!;
          ll = le & 31;
        }
        bitBuf <<= ll;
        bitsLeft -= ll;
        matchLength += le >>> 5;
      }
      matchLength += MIN_MATCH;

      let offset: number;
      if (slot === 0) {
        offset = r0;
      } else if (slot === 1) {
        offset = r1;
        r1 = r0;
        r0 = offset;
      } else if (slot === 2) {
        offset = r2;
        r2 = r0;
        r0 = offset;
      } else {
        let extra = EXTRA_BITS[slot]!;
        offset = POSITION_BASE[slot]! - 2;
        if (aligned && extra >= 3) {
          extra -= 3;
          if (extra > 0) {
            while (bitsLeft < extra) {
              if (pos > inLimit) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
              bitBuf |= (input[pos]! | (input[pos + 1]! << 8)) << (16 - bitsLeft);
              bitsLeft += 16;
              pos += 2;
            }
            offset += (bitBuf >>> (32 - extra)) << 3;
            bitBuf <<= extra;
            bitsLeft -= extra;
          }
          if (alignedEmpty) throw corrupt('symbol read from the empty aligned offset tree');
          if (bitsLeft < 16) {
            if (pos > inLimit) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
            bitBuf |= (input[pos]! | (input[pos + 1]! << 8)) << (16 - bitsLeft);
            bitsLeft += 16;
            pos += 2;
          }
          const ae = alignedE[bitBuf >>> (32 - ALIGNED_ROOT_BITS)]!;
          const al = ae & 31;
          bitBuf <<= al;
          bitsLeft -= al;
          offset += ae >>> 5;
        } else if (extra > 0) {
          while (bitsLeft < extra) {
            if (pos > inLimit) throw corrupt(`frame ${this.frameIndex}: bitstream runs past its payload`);
            bitBuf |= (input[pos]! | (input[pos + 1]! << 8)) << (16 - bitsLeft);
            bitsLeft += 16;
            pos += 2;
          }
          offset += bitBuf >>> (32 - extra);
          bitBuf <<= extra;
          bitsLeft -= extra;
        }
        r2 = r1;
        r1 = r0;
        r0 = offset;
      }

      if (wpos + matchLength > runEnd) {
        throw corrupt(`a match of ${matchLength} bytes at ${wpos} runs past the end of its frame or block`);
      }
      if (offset === 0 || offset > (maxOffset || wpos)) {
        throw corrupt(`match offset ${offset} reaches before the start of the data (position ${wpos})`);
      }
      wpos = copyMatch(win, wpos, offset, matchLength, windowSize);
    }
    this.bitBuf = bitBuf;
    this.bitsLeft = bitsLeft;
    this.pos = pos;
    this.wpos = wpos;
    this.r0 = r0;
    this.r1 = r1;
    this.r2 = r2;
  }
}
