/**
 * MSZIP ([MS-MCI] / [MS-CAB] typeCompress 0x0001): every CFDATA payload is the signature "CK"
 * followed by a raw DEFLATE stream (RFC 1951) that decodes to that block's `cbUncomp` bytes (at
 * most 32 KiB). The blocks of a folder share history: each stream may refer back into the previous
 * 32 KiB of folder output, so it is inflated / deflated with that output as the preset dictionary.
 * node:zlib does the DEFLATE work.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { SupsyncError } from '../../shared/errors.ts';

/** Largest output of one MSZIP block, which is also the DEFLATE window. */
export const MSZIP_BLOCK_SIZE = 0x8000;
const SIGNATURE_C = 0x43;
const SIGNATURE_K = 0x4b;

/** The last (up to) 32 KiB of folder output, kept contiguous for use as a zlib dictionary. */
class History {
  private bytes = new Uint8Array(0);

  get dictionary(): Uint8Array | undefined {
    return this.bytes.length === 0 ? undefined : this.bytes;
  }

  push(block: Uint8Array): void {
    if (block.length >= MSZIP_BLOCK_SIZE) {
      this.bytes = block.slice(block.length - MSZIP_BLOCK_SIZE);
      return;
    }
    const keep = Math.min(this.bytes.length, MSZIP_BLOCK_SIZE - block.length);
    const next = new Uint8Array(keep + block.length);
    next.set(this.bytes.subarray(this.bytes.length - keep), 0);
    next.set(block, keep);
    this.bytes = next;
  }
}

/** Decodes the CFDATA blocks of one MSZIP folder in order. One instance per folder. */
export class MszipDecoder {
  private readonly history = new History();
  private blockIndex = 0;

  /** Inflates one CFDATA payload into exactly `outputSize` bytes. */
  decodeBlock(payload: Uint8Array, outputSize: number): Uint8Array {
    const index = this.blockIndex++;
    if (payload.length < 2 || payload[0] !== SIGNATURE_C || payload[1] !== SIGNATURE_K) {
      throw new SupsyncError('CAB_CORRUPT', `MSZIP block ${index} does not start with the "CK" signature`);
    }
    let out: Uint8Array;
    try {
      const dictionary = this.history.dictionary;
      out = inflateRawSync(payload.subarray(2), {
        // A stream that stops without a final block still yields what it decoded; the size check
        // below decides whether that was enough.
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: MSZIP_BLOCK_SIZE,
        ...(dictionary === undefined ? {} : { dictionary }),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SupsyncError('CAB_CORRUPT', `MSZIP block ${index}: ${reason}`, { cause: err });
    }
    if (out.length !== outputSize) {
      throw new SupsyncError(
        'CAB_CORRUPT',
        `MSZIP block ${index} decodes to ${out.length} bytes, cbUncomp says ${outputSize}`,
      );
    }
    this.history.push(out);
    return out;
  }
}

/**
 * Compresses `data` as a sequence of MSZIP block payloads ("CK" + DEFLATE), one per 32 KiB of
 * input, each primed with the previous 32 KiB so that cross-block matches are used.
 */
export function encodeMszipBlocks(data: Uint8Array): { payload: Uint8Array; uncompressedSize: number }[] {
  const blocks: { payload: Uint8Array; uncompressedSize: number }[] = [];
  for (let start = 0; start < data.length; start += MSZIP_BLOCK_SIZE) {
    const chunk = data.subarray(start, Math.min(start + MSZIP_BLOCK_SIZE, data.length));
    const dictionary = start === 0 ? undefined : data.subarray(start - MSZIP_BLOCK_SIZE, start);
    const deflated = deflateRawSync(chunk, { level: 9, ...(dictionary === undefined ? {} : { dictionary }) });
    const payload = new Uint8Array(2 + deflated.length);
    payload[0] = SIGNATURE_C;
    payload[1] = SIGNATURE_K;
    payload.set(deflated, 2);
    blocks.push({ payload, uncompressedSize: chunk.length });
  }
  return blocks;
}
