/**
 * Reading MS-CAB cabinets ([MS-CAB]): single, self-contained cabinets whose folders are stored,
 * MSZIP or LZX. Quantum folders and multi-cabinet sets raise CAB_UNSUPPORTED; anything malformed
 * raises CAB_CORRUPT, including a member that only part of the cabinet would spoil (the whole
 * call fails, where cabextract would still extract the other members).
 *
 * Member names are returned as stored (see `decodeName`), never path-sanitised: a caller that
 * writes members to disk must sanitise them itself.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { type CabCompression, type CabDirectory, type CabFile, readCabinetDirectory } from './cab-directory.ts';
import { decodeFolder } from './folder-decoder.ts';

/** One decoded member of a cabinet. */
export interface CabMember {
  readonly name: string;
  readonly data: Uint8Array;
  /** CFFILE `attribs` (0x01 read-only, 0x02 hidden, 0x04 system, 0x20 archive, 0x40 exec, 0x80 UTF-8 name). */
  readonly attributes: number;
}

/** What the directory says about a member, before anything is decoded. */
export interface CabMemberInfo {
  /** Position in the cabinet's file list. */
  readonly index: number;
  readonly name: string;
  readonly size: number;
  readonly attributes: number;
  readonly folderIndex: number;
  readonly compression: CabCompression;
}

export interface CabReadOptions {
  /**
   * Upper bound on the bytes a call may decode and return (default 256 MiB). A cabinet whose
   * declared sizes exceed it is refused with CAB_UNSUPPORTED before anything is allocated.
   */
  readonly maxOutputBytes?: number;
}

/** A parsed cabinet whose members can be decoded selectively or streamed. */
export interface CabinetReader {
  readonly members: readonly CabMemberInfo[];
  /** Decodes the selected members (default: all), folder by folder, in cabinet order. */
  extract(select?: (member: CabMemberInfo) => boolean): CabMember[];
  /**
   * Streams one member's bytes in order, 32 KiB or less at a time, without holding the member in
   * memory; `onChunk` returns `false` to stop early. Not bounded by `maxOutputBytes`: the caller
   * decides how much to read. A chunk is only valid during the call.
   */
  streamMember(index: number, onChunk: (chunk: Uint8Array) => boolean | undefined): void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** Parses the directory of a single, self-contained cabinet at offset 0 of `buf`. */
export function openCabinet(buf: Uint8Array, options?: CabReadOptions): CabinetReader {
  const limit = options?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const dir = readCabinetDirectory(buf);
  const members = dir.files.map(
    (f, index): CabMemberInfo => ({
      index,
      name: f.name,
      size: f.size,
      attributes: f.attributes,
      folderIndex: f.folderIndex,
      compression: dir.folders[f.folderIndex]!.compression,
    }),
  );
  return {
    members,
    extract: (select) => extractSelected(buf, dir, select === undefined ? members : members.filter(select), limit),
    streamMember: (index, onChunk) => streamFile(buf, dir, index, onChunk),
  };
}

/** Decodes every member of a single, self-contained cabinet. Throws SupsyncError CAB_CORRUPT / CAB_UNSUPPORTED. */
export function extractCabinet(buf: Uint8Array, options?: CabReadOptions): CabMember[] {
  return openCabinet(buf, options).extract();
}

/** Convenience for MS-WSUSSS blobs: the single member's bytes (error if not exactly one member). */
export function extractSingleMember(buf: Uint8Array): Uint8Array {
  const reader = openCabinet(buf);
  if (reader.members.length !== 1) {
    throw new SupsyncError('CAB_UNSUPPORTED', `expected a cabinet with one member, found ${reader.members.length}`);
  }
  return reader.extract()[0]!.data;
}

function extractSelected(
  buf: Uint8Array,
  dir: CabDirectory,
  selected: readonly CabMemberInfo[],
  limit: number,
): CabMember[] {
  checkLimit(dir, selected, limit);
  const data = selected.map((m) => new Uint8Array(m.size));
  const byFolder = new Map<number, number[]>();
  selected.forEach((m, i) => {
    const list = byFolder.get(m.folderIndex);
    if (list === undefined) byFolder.set(m.folderIndex, [i]);
    else list.push(i);
  });
  for (const [folderIndex, picks] of [...byFolder].sort((a, b) => a[0] - b[0])) {
    const files = picks.map((i) => dir.files[selected[i]!.index]!);
    const targets = picks.map((i) => data[i]!);
    fillFromFolder(buf, dir, folderIndex, files, targets);
  }
  return selected.map((m, i) => ({ name: m.name, data: data[i]!, attributes: m.attributes }));
}

/** Refuses, before allocating, to return or decode more than `limit` bytes. */
function checkLimit(dir: CabDirectory, selected: readonly CabMemberInfo[], limit: number): void {
  let returned = 0;
  const decodeEnd = new Map<number, number>();
  for (const m of selected) {
    returned += m.size;
    const f = dir.files[m.index]!;
    decodeEnd.set(f.folderIndex, Math.max(decodeEnd.get(f.folderIndex) ?? 0, f.folderOffset + f.size));
  }
  let decoded = 0;
  for (const end of decodeEnd.values()) decoded += end;
  const worst = Math.max(returned, decoded);
  if (worst > limit) {
    throw new SupsyncError(
      'CAB_UNSUPPORTED',
      `cabinet declares ${worst} bytes of member data, more than the limit of ${limit} bytes (maxOutputBytes)`,
    );
  }
}

/** Decodes one folder up to the end of the last wanted file, copying each file's range out. */
function fillFromFolder(
  buf: Uint8Array,
  dir: CabDirectory,
  folderIndex: number,
  files: readonly CabFile[],
  targets: readonly Uint8Array[],
): void {
  let stopAt = 0;
  for (const f of files) stopAt = Math.max(stopAt, f.folderOffset + f.size);
  // Files in order of their start; only those overlapping the current chunk are visited, so the
  // work stays proportional to the bytes copied even with thousands of files.
  const order = files.map((_, i) => i).sort((a, b) => files[a]!.folderOffset - files[b]!.folderOffset);
  let next = 0;
  let active: number[] = [];
  decodeFolder(buf, dir.folders[folderIndex]!, dir.dataReserve, stopAt, (chunk, offset) => {
    const chunkEnd = offset + chunk.length;
    while (next < order.length && files[order[next]!]!.folderOffset < chunkEnd) active.push(order[next++]!);
    for (const i of active) {
      const f = files[i]!;
      const from = Math.max(offset, f.folderOffset);
      const to = Math.min(chunkEnd, f.folderOffset + f.size);
      if (from < to) targets[i]!.set(chunk.subarray(from - offset, to - offset), from - f.folderOffset);
    }
    active = active.filter((i) => files[i]!.folderOffset + files[i]!.size > chunkEnd);
    return true;
  });
}

function streamFile(
  buf: Uint8Array,
  dir: CabDirectory,
  index: number,
  onChunk: (chunk: Uint8Array) => boolean | undefined,
): void {
  const f = dir.files[index];
  if (f === undefined) throw new RangeError(`no member ${index} in a cabinet of ${dir.files.length}`);
  const end = f.folderOffset + f.size;
  decodeFolder(buf, dir.folders[f.folderIndex]!, dir.dataReserve, end, (chunk, offset) => {
    const from = Math.max(offset, f.folderOffset);
    const to = Math.min(offset + chunk.length, end);
    if (from >= to) return true;
    return onChunk(chunk.subarray(from - offset, to - offset));
  });
}
