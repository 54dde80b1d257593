/**
 * Writing MS-CAB cabinets: one cabinet, one folder (stored or MSZIP), every CFDATA block with
 * its checksum. This is how our MS-WSUSSS server builds `XmlUpdateBlobCompressed` (one member
 * `blob` holding UTF-16LE XML). Names are written as UTF-8, flagged `_A_NAME_IS_UTF` when they are
 * not plain ASCII.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { dataBlockChecksum } from './cab-checksum.ts';
import { ATTR_NAME_IS_UTF } from './cab-directory.ts';
import { encodeMszipBlocks, MSZIP_BLOCK_SIZE } from './mszip.ts';

export interface CabWriteMember {
  readonly name: string;
  readonly data: Uint8Array;
}

export interface CabWriteOptions {
  /** 'mszip' (the default) or 'none' (stored). */
  readonly compression: 'none' | 'mszip';
}

const HEADER_SIZE = 36;
const FOLDER_SIZE = 8;
const FILE_FIXED_SIZE = 16;
const DATA_HEADER_SIZE = 8;
const ATTR_ARCHIVE = 0x20;
/** 1980-01-01 00:00:00 in MS-DOS date/time form: fixed, so equal input gives equal cabinets. */
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const MAX_FOLDER_BLOCKS = 0xffff;
const MAX_NAME_BYTES = 255;

const invalid = (message: string) => new SupsyncError('CAB_UNSUPPORTED', `cannot write cabinet: ${message}`);

interface EncodedName {
  readonly bytes: Uint8Array;
  readonly attributes: number;
}

function encodeName(name: string): EncodedName {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length > MAX_NAME_BYTES || bytes.includes(0)) {
    throw invalid(`member name ${JSON.stringify(name)} must be 1..255 UTF-8 bytes without NUL`);
  }
  const ascii = bytes.every((b) => b < 0x80);
  return { bytes, attributes: ATTR_ARCHIVE | (ascii ? 0 : ATTR_NAME_IS_UTF) };
}

/** Splits the concatenated member data into CFDATA payloads. */
function encodeBlocks(
  data: Uint8Array,
  compression: 'none' | 'mszip',
): { payload: Uint8Array; uncompressedSize: number }[] {
  if (compression === 'mszip') return encodeMszipBlocks(data);
  const blocks: { payload: Uint8Array; uncompressedSize: number }[] = [];
  for (let start = 0; start < data.length; start += MSZIP_BLOCK_SIZE) {
    const payload = data.subarray(start, Math.min(start + MSZIP_BLOCK_SIZE, data.length));
    blocks.push({ payload, uncompressedSize: payload.length });
  }
  return blocks;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Builds a single cabinet with one folder holding `members` in order. Refuses (CAB_UNSUPPORTED)
 * what the format cannot hold: no members, more than 65535, a bad name, over 2 GiB of data.
 */
export function writeCabinet(
  members: readonly CabWriteMember[],
  options: CabWriteOptions = { compression: 'mszip' },
): Uint8Array {
  if (members.length === 0 || members.length > 0xffff) throw invalid(`${members.length} members (1..65535 allowed)`);
  const names = members.map((m) => encodeName(m.name));
  const content = concat(members.map((m) => m.data));
  if (content.length > MAX_FOLDER_BLOCKS * MSZIP_BLOCK_SIZE)
    throw invalid(`${content.length} bytes of data in one folder`);
  const blocks = encodeBlocks(content, options.compression);

  const filesSize = names.reduce((n, e) => n + FILE_FIXED_SIZE + e.bytes.length + 1, 0);
  const filesOffset = HEADER_SIZE + FOLDER_SIZE;
  const dataOffset = filesOffset + filesSize;
  const dataSize = blocks.reduce((n, b) => n + DATA_HEADER_SIZE + b.payload.length, 0);
  const total = dataOffset + dataSize;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);

  // CFHEADER
  out.set([0x4d, 0x53, 0x43, 0x46], 0); // "MSCF"
  view.setUint32(8, total, true);
  view.setUint32(16, filesOffset, true);
  out[24] = 3; // versionMinor
  out[25] = 1; // versionMajor
  view.setUint16(26, 1, true); // cFolders
  view.setUint16(28, members.length, true);
  // flags, setID, iCabinet stay 0.

  // CFFOLDER
  view.setUint32(HEADER_SIZE, dataOffset, true);
  view.setUint16(HEADER_SIZE + 4, blocks.length, true);
  view.setUint16(HEADER_SIZE + 6, options.compression === 'mszip' ? 1 : 0, true);

  // CFFILE entries
  let at = filesOffset;
  let folderOffset = 0;
  members.forEach((m, i) => {
    const name = names[i]!;
    view.setUint32(at, m.data.length, true);
    view.setUint32(at + 4, folderOffset, true);
    view.setUint16(at + 8, 0, true); // iFolder
    view.setUint16(at + 10, DOS_DATE_1980_01_01, true);
    view.setUint16(at + 12, 0, true); // time
    view.setUint16(at + 14, name.attributes, true);
    out.set(name.bytes, at + FILE_FIXED_SIZE);
    at += FILE_FIXED_SIZE + name.bytes.length + 1; // the NUL is already 0
    folderOffset += m.data.length;
  });

  // CFDATA blocks
  for (const b of blocks) {
    view.setUint32(at, dataBlockChecksum(b.payload, b.payload.length, b.uncompressedSize), true);
    view.setUint16(at + 4, b.payload.length, true);
    view.setUint16(at + 6, b.uncompressedSize, true);
    out.set(b.payload, at + DATA_HEADER_SIZE);
    at += DATA_HEADER_SIZE + b.payload.length;
  }
  return out;
}
