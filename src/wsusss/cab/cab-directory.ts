/**
 * Reading the directory of a cabinet ([MS-CAB] 2.1-2.4): CFHEADER, the optional reserve sizes,
 * CFFOLDER and CFFILE entries, and the chain of CFDATA block headers of every folder. Nothing is
 * decompressed here; every offset and size is checked against the buffer so that later stages can
 * index without further bounds checks.
 */
import { SupsyncError } from '../../shared/errors.ts';

export type CabCompression = 'none' | 'mszip' | 'quantum' | 'lzx';

/** One CFDATA block: where its payload lies in the cabinet buffer and what it decodes to. */
export interface CabDataBlock {
  /** Offset of the CFDATA header itself. */
  readonly headerOffset: number;
  readonly checksum: number;
  /** Offset of the payload (`ab`), after the per-block reserved bytes. */
  readonly dataOffset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

export interface CabFolder {
  readonly index: number;
  readonly compression: CabCompression;
  /** The raw `typeCompress` field. */
  readonly typeCompress: number;
  /** LZX window size as a power of two (15..21); 0 for the other methods. */
  readonly lzxWindowBits: number;
  readonly blocks: readonly CabDataBlock[];
  /** Sum of the blocks' `cbUncomp`: how many bytes the folder decodes to. */
  readonly uncompressedSize: number;
}

export interface CabFile {
  /** The name as stored, decoded (see {@link decodeName}); not path-sanitised. */
  readonly name: string;
  readonly size: number;
  readonly folderIndex: number;
  /** Offset of the file's first byte within its folder's decoded data. */
  readonly folderOffset: number;
  readonly attributes: number;
}

export interface CabDirectory {
  readonly folders: readonly CabFolder[];
  readonly files: readonly CabFile[];
  /** Bytes of per-CFDATA reserved area (`cbCFData`). */
  readonly dataReserve: number;
}

const HEADER_SIZE = 36;
const FLAG_PREV_CABINET = 0x0001;
const FLAG_NEXT_CABINET = 0x0002;
const FLAG_RESERVE_PRESENT = 0x0004;
/** CFFILE attribute: the name is UTF-8 rather than the (unspecified) system code page. */
export const ATTR_NAME_IS_UTF = 0x80;
/** [MS-CAB]: a CFDATA block never decodes to more than 32 KiB. */
export const MAX_BLOCK_UNCOMPRESSED = 0x8000;
/** [MS-CAB]: names are at most 255 bytes plus the terminating NUL. */
const MAX_NAME_BYTES = 255;
const COMPRESSION_BY_TYPE: readonly CabCompression[] = ['none', 'mszip', 'quantum', 'lzx'];

const corrupt = (message: string) => new SupsyncError('CAB_CORRUPT', message);
const unsupported = (message: string) => new SupsyncError('CAB_UNSUPPORTED', message);

/** Little-endian reads over a buffer that throw CAB_CORRUPT instead of reading past its end. */
class Cursor {
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
  ) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw corrupt(`cabinet truncated: ${what} at offset ${this.pos} needs ${n} bytes, ${this.buf.length} in total`);
    }
  }
  u8(): number {
    return this.buf[this.pos++]!;
  }
  u16(): number {
    const b = this.buf;
    const v = b[this.pos]! | (b[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  /** A NUL-terminated string of at most `max` bytes (without the NUL); returns its bytes. */
  cstring(max: number, what: string): Uint8Array {
    const window = this.buf.subarray(this.pos, this.pos + max + 1);
    const length = window.indexOf(0);
    if (length < 0 && window.length > max) throw corrupt(`${what} at offset ${this.pos} is longer than ${max} bytes`);
    if (length < 0) throw corrupt(`cabinet truncated: ${what} at offset ${this.pos} has no terminating NUL`);
    const end = this.pos + length;
    const bytes = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return bytes;
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * A stored name as a string: UTF-8 (invalid sequences become U+FFFD) when the file carries
 * `_A_NAME_IS_UTF`; otherwise ISO-8859-1, one character per byte, so the bytes stay recoverable
 * with `Buffer.from(name, 'latin1')` whatever code page the writer used.
 */
export function decodeName(bytes: Uint8Array, attributes: number): string {
  if ((attributes & ATTR_NAME_IS_UTF) !== 0) return utf8.decode(bytes);
  return String.fromCharCode(...bytes);
}

/** Parses the directory of a single, self-contained cabinet starting at offset 0 of `buf`. */
export function readCabinetDirectory(buf: Uint8Array): CabDirectory {
  const c = new Cursor(buf, 0);
  c.need(HEADER_SIZE, 'CFHEADER');
  if (c.u32() !== 0x4643534d) throw corrupt('not a cabinet: the signature at offset 0 is not "MSCF"');
  c.pos = 8;
  const cabinetSize = c.u32();
  if (cabinetSize > buf.length) {
    throw corrupt(`cabinet truncated: cbCabinet declares ${cabinetSize} bytes, ${buf.length} present`);
  }
  c.pos = 26;
  const folderCount = c.u16();
  const fileCount = c.u16();
  const flags = c.u16();
  const setId = c.u16();
  const cabinetIndex = c.u16();
  if ((flags & (FLAG_PREV_CABINET | FLAG_NEXT_CABINET)) !== 0) {
    throw unsupported(
      `cabinet ${cabinetIndex} of multi-cabinet set ${setId} (flags 0x${flags.toString(16)}): ` +
        'cabinet sets spanning several files are not supported',
    );
  }
  let folderReserve = 0;
  let dataReserve = 0;
  if ((flags & FLAG_RESERVE_PRESENT) !== 0) {
    c.need(4, 'reserve sizes');
    const headerReserve = c.u16();
    folderReserve = c.u8();
    dataReserve = c.u8();
    c.need(headerReserve, 'CFHEADER reserved area');
    c.pos += headerReserve;
  }
  if (folderCount === 0) throw corrupt('cabinet has no folders (cFolders = 0)');
  if (fileCount === 0) throw corrupt('cabinet has no files (cFiles = 0)');

  const blockBudget = { left: Math.floor(buf.length / 8) + 1 };
  const folders: CabFolder[] = [];
  for (let i = 0; i < folderCount; i++) {
    c.need(8 + folderReserve, `CFFOLDER ${i}`);
    const dataStart = c.u32();
    const blockCount = c.u16();
    const typeCompress = c.u16();
    c.pos += folderReserve;
    folders.push(readFolder(buf, i, dataStart, blockCount, typeCompress, dataReserve, blockBudget));
  }
  // CFFILE entries are read right after the folder table, as libmspack does; `coffFiles` is not
  // consulted, so entries "hidden" between the two are not seen (the hidden-files vector).
  const files: CabFile[] = [];
  for (let i = 0; i < fileCount; i++) files.push(readFile(c, i, folders));
  return { folders, files, dataReserve };
}

function compressionOf(folder: number, typeCompress: number): { compression: CabCompression; lzxWindowBits: number } {
  const compression = COMPRESSION_BY_TYPE[typeCompress & 0x000f];
  if (compression === undefined) {
    throw unsupported(`folder ${folder}: unknown compression type 0x${typeCompress.toString(16)}`);
  }
  if (compression !== 'lzx') return { compression, lzxWindowBits: 0 };
  const lzxWindowBits = (typeCompress >>> 8) & 0x1f;
  if (lzxWindowBits < 15 || lzxWindowBits > 21) {
    throw corrupt(`folder ${folder}: LZX window 2^${lzxWindowBits} is outside 2^15..2^21`);
  }
  return { compression, lzxWindowBits };
}

function readFolder(
  buf: Uint8Array,
  index: number,
  dataStart: number,
  blockCount: number,
  typeCompress: number,
  dataReserve: number,
  budget: { left: number },
): CabFolder {
  const { compression, lzxWindowBits } = compressionOf(index, typeCompress);
  // Honest cabinets never share bytes between blocks, so the blocks of all folders together fit
  // the buffer 8 bytes apiece; more means folders overlap on purpose, to multiply the work.
  budget.left -= blockCount;
  if (budget.left < 0) throw corrupt(`folder ${index}: more CFDATA blocks than the cabinet can hold`);
  const c = new Cursor(buf, dataStart);
  const blocks: CabDataBlock[] = [];
  let uncompressedSize = 0;
  for (let i = 0; i < blockCount; i++) {
    const headerOffset = c.pos;
    c.need(8 + dataReserve, `CFDATA ${i} of folder ${index}`);
    const checksum = c.u32();
    const compressedSize = c.u16();
    const blockOut = c.u16();
    c.pos += dataReserve;
    c.need(compressedSize, `CFDATA ${i} payload of folder ${index}`);
    if (blockOut === 0) {
      throw unsupported(`folder ${index}, CFDATA ${i}: the block continues in the next cabinet (cbUncomp = 0)`);
    }
    if (blockOut > MAX_BLOCK_UNCOMPRESSED) {
      throw corrupt(`folder ${index}, CFDATA ${i} at offset ${headerOffset}: cbUncomp ${blockOut} exceeds 32768`);
    }
    blocks.push({ headerOffset, checksum, dataOffset: c.pos, compressedSize, uncompressedSize: blockOut });
    uncompressedSize += blockOut;
    c.pos += compressedSize;
  }
  return { index, compression, typeCompress, lzxWindowBits, blocks, uncompressedSize };
}

function readFile(c: Cursor, index: number, folders: readonly CabFolder[]): CabFile {
  c.need(16, `CFFILE ${index}`);
  const size = c.u32();
  const folderOffset = c.u32();
  const folderIndex = c.u16();
  c.pos += 4; // date, time
  const attributes = c.u16();
  const nameBytes = c.cstring(MAX_NAME_BYTES, `name of CFFILE ${index}`);
  if (nameBytes.length === 0) throw corrupt(`CFFILE ${index} has an empty name`);
  const name = decodeName(nameBytes, attributes);
  if (folderIndex >= 0xfffd) {
    throw unsupported(
      `file "${name}" is continued from or into another cabinet (iFolder 0x${folderIndex.toString(16)})`,
    );
  }
  const folder = folders[folderIndex];
  if (folder === undefined) {
    throw corrupt(`file "${name}" names folder ${folderIndex}, but the cabinet has ${folders.length}`);
  }
  if (folderOffset + size > folder.uncompressedSize) {
    throw corrupt(
      `file "${name}" (${size} bytes at folder offset ${folderOffset}) extends past the end of folder ` +
        `${folderIndex} (${folder.uncompressedSize} bytes)`,
    );
  }
  return { name, size, folderIndex, folderOffset, attributes };
}
