/**
 * Canonical Huffman decoding tables for LZX. Codes are at most 16 bits and are read MSB first.
 *
 * A table is an Int32Array: the first `2^rootBits` entries are indexed by the next `rootBits`
 * bits of input. An entry is `symbol << 5 | length` when a code of `length <= 16` bits starts with
 * those bits. Codes longer than `rootBits` share a root entry `start << 5 | (16 + subBits)` that
 * points to a sub-table at `start`, indexed by the `subBits` bits after the root bits, whose
 * entries again hold `symbol << 5 | length` (the full length). An entry of 0 means "no code"
 * and only occurs in the table of an empty tree (all lengths zero).
 */
import { SupsyncError } from '../../shared/errors.ts';

export const MAX_CODE_LENGTH = 16;

export interface HuffmanTable {
  readonly rootBits: number;
  readonly entries: Int32Array;
  /** True when every length was zero: decoding any symbol from it is an error. */
  empty: boolean;
}

/** Allocates a table large enough for `symbolCount` symbols whatever their lengths. */
export function createHuffmanTable(symbolCount: number, rootBits: number): HuffmanTable {
  // Each long code can open at most one sub-table of at most 2^(16 - rootBits) entries.
  const size = (1 << rootBits) + symbolCount * (1 << (MAX_CODE_LENGTH - rootBits));
  return { rootBits, entries: new Int32Array(size), empty: true };
}

const counts = new Int32Array(MAX_CODE_LENGTH + 1);
const nextCode = new Int32Array(MAX_CODE_LENGTH + 1);
const sortOffset = new Int32Array(MAX_CODE_LENGTH + 1);
let sortedSymbols = new Uint16Array(1024);
let alignedCodes = new Int32Array(1024);

/**
 * Rebuilds `table` from `lengths[0 .. count)`. An over-subscribed set of lengths, or an incomplete
 * one that is not entirely zero, is corrupt (LZX encoders only emit complete trees).
 */
export function buildHuffmanTable(table: HuffmanTable, lengths: Uint8Array, count: number, what: string): void {
  counts.fill(0);
  for (let s = 0; s < count; s++) counts[lengths[s]!]!++;
  counts[0] = 0;
  let left = 1;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    left = (left << 1) - counts[len]!;
    if (left < 0) throw new SupsyncError('CAB_CORRUPT', `LZX ${what} tree is over-subscribed`);
  }
  const entries = table.entries;
  if (left === 1 << MAX_CODE_LENGTH) {
    // Every length is zero. Allowed (e.g. a length tree when no match is longer than 8 bytes);
    // it only becomes an error if a symbol is actually read from it.
    entries.fill(0, 0, 1 << table.rootBits);
    table.empty = true;
    return;
  }
  if (left !== 0) throw new SupsyncError('CAB_CORRUPT', `LZX ${what} tree is incomplete`);
  table.empty = false;
  const used = sortByLength(lengths, count);
  let code = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    code = (code + counts[len - 1]!) << 1;
    nextCode[len] = code;
  }
  fillEntries(table, lengths, sortedSymbols, used);
}

/**
 * Puts the symbols with a code into `sortedSymbols`, ordered by (length, symbol): the order in
 * which canonical codes are handed out. Returns how many there are.
 */
function sortByLength(lengths: Uint8Array, count: number): number {
  if (sortedSymbols.length < count) sortedSymbols = new Uint16Array(count);
  let offset = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    sortOffset[len] = offset;
    offset += counts[len]!;
  }
  for (let s = 0; s < count; s++) {
    const len = lengths[s]!;
    if (len !== 0) sortedSymbols[sortOffset[len]!++] = s;
  }
  return offset;
}

function fillEntries(table: HuffmanTable, lengths: Uint8Array, sorted: Uint16Array, used: number): void {
  const { entries, rootBits } = table;
  if (alignedCodes.length < used) alignedCodes = new Int32Array(used);
  for (let i = 0; i < used; i++) {
    const len = lengths[sorted[i]!]!;
    alignedCodes[i] = nextCode[len]!++ << (MAX_CODE_LENGTH - len); // left-aligned to 16 bits
  }
  const rootShift = MAX_CODE_LENGTH - rootBits;
  let nextFree = 1 << rootBits;
  let i = 0;
  for (; i < used; i++) {
    const len = lengths[sorted[i]!]!;
    if (len > rootBits) break;
    const first = alignedCodes[i]! >>> rootShift;
    entries.fill((sorted[i]! << 5) | len, first, first + (1 << (rootBits - len)));
  }
  // Longer codes: canonical codes sharing a root prefix are consecutive and sorted by length,
  // so the last one of a run is the longest and decides the size of the run's sub-table.
  while (i < used) {
    const prefix = alignedCodes[i]! >>> rootShift;
    let end = i + 1;
    while (end < used && alignedCodes[end]! >>> rootShift === prefix) end++;
    const subBits = lengths[sorted[end - 1]!]! - rootBits;
    const start = nextFree;
    nextFree += 1 << subBits;
    entries[prefix] = (start << 5) | (MAX_CODE_LENGTH + subBits);
    const subShift = rootShift - subBits;
    const subMask = (1 << subBits) - 1;
    for (; i < end; i++) {
      const len = lengths[sorted[i]!]!;
      const first = start + ((alignedCodes[i]! >>> subShift) & subMask);
      entries.fill((sorted[i]! << 5) | len, first, first + (1 << (rootBits + subBits - len)));
    }
  }
}
