/**
 * Decoding one folder of a cabinet, block by block: checksum check, then the folder's method
 * (stored, MSZIP or LZX). Output is handed out one CFDATA block (at most 32 KiB) at a time so
 * that callers keep only what they need.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { dataBlockChecksum } from './cab-checksum.ts';
import { type CabDataBlock, type CabFolder, MAX_BLOCK_UNCOMPRESSED } from './cab-directory.ts';
import { LzxDecoder } from './lzx.ts';
import { MszipDecoder } from './mszip.ts';

/**
 * Receives decoded folder bytes in order. `chunk` starts at `folderOffset` of the folder's output
 * and is only valid during the call. Return `false` to stop decoding.
 */
export type FolderChunkSink = (chunk: Uint8Array, folderOffset: number) => boolean | undefined;

type BlockDecoder = (payload: Uint8Array, block: CabDataBlock, index: number) => Uint8Array;

function blockDecoderFor(folder: CabFolder): BlockDecoder {
  switch (folder.compression) {
    case 'none':
      return (payload, block, index) => {
        if (block.compressedSize !== block.uncompressedSize) {
          throw new SupsyncError(
            'CAB_CORRUPT',
            `folder ${folder.index}, CFDATA ${index}: stored block has cbData ${block.compressedSize} ` +
              `but cbUncomp ${block.uncompressedSize}`,
          );
        }
        return payload;
      };
    case 'mszip': {
      const mszip = new MszipDecoder();
      return (payload, block) => mszip.decodeBlock(payload, block.uncompressedSize);
    }
    case 'lzx': {
      const lzx = new LzxDecoder(folder.lzxWindowBits, folder.uncompressedSize);
      const last = folder.blocks.length - 1;
      return (payload, block, index) => {
        // An LZX stream is cut into 32 KiB frames, one per CFDATA block; only the last may be short.
        if (index < last && block.uncompressedSize !== MAX_BLOCK_UNCOMPRESSED) {
          throw new SupsyncError(
            'CAB_CORRUPT',
            `folder ${folder.index}, CFDATA ${index}: LZX block of ${block.uncompressedSize} bytes before the last block`,
          );
        }
        return lzx.decodeFrame(payload, block.uncompressedSize);
      };
    }
    case 'quantum':
      throw new SupsyncError(
        'CAB_UNSUPPORTED',
        `folder ${folder.index}: Quantum compression is not supported (typeCompress 0x${folder.typeCompress.toString(16)})`,
      );
  }
}

function verifyChecksum(buf: Uint8Array, folder: CabFolder, block: CabDataBlock, index: number, reserve: number): void {
  if (block.checksum === 0) return; // 0 means "not computed"
  const payload = buf.subarray(block.dataOffset, block.dataOffset + block.compressedSize);
  const { compressedSize: cbData, uncompressedSize: cbUncomp } = block;
  if (dataBlockChecksum(payload, cbData, cbUncomp) === block.checksum) return;
  if (reserve > 0) {
    const reserved = buf.subarray(block.dataOffset - reserve, block.dataOffset);
    if (dataBlockChecksum(payload, cbData, cbUncomp, reserved) === block.checksum) return;
  }
  throw new SupsyncError(
    'CAB_CORRUPT',
    `folder ${folder.index}, CFDATA ${index} at offset ${block.headerOffset}: checksum mismatch`,
  );
}

/**
 * Decodes `folder` from its start until at least `stopAt` bytes have been produced (or the
 * folder ends, or `sink` returns false). Throws CAB_CORRUPT / CAB_UNSUPPORTED.
 */
export function decodeFolder(
  buf: Uint8Array,
  folder: CabFolder,
  dataReserve: number,
  stopAt: number,
  sink: FolderChunkSink,
): void {
  if (stopAt <= 0) return;
  const decode = blockDecoderFor(folder);
  let offset = 0;
  for (let i = 0; i < folder.blocks.length && offset < stopAt; i++) {
    const block = folder.blocks[i]!;
    verifyChecksum(buf, folder, block, i, dataReserve);
    const payload = buf.subarray(block.dataOffset, block.dataOffset + block.compressedSize);
    const chunk = decode(payload, block, i);
    if (sink(chunk, offset) === false) return;
    offset += chunk.length;
  }
}
