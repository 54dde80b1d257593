/**
 * The update metadata document inside `ServerSyncUpdateData`: plain `XmlUpdateBlob` text, or
 * `XmlUpdateBlobCompressed`, a base64 MS-CAB whose one member `blob` holds the document as
 * UTF-16LE without BOM.
 *
 * Kept apart from the message codec so that reading a revision list does not load the cabinet code.
 */
import { TextDecoder } from 'node:util';
import { extractSingleMember, writeCabinet } from '../cab/index.ts';
import type { ServerSyncUpdateData, UpdateBlob } from './types.ts';

/** Windows sends a document compressed when its UTF-16 form is larger than this many bytes. */
export const WINDOWS_COMPRESS_ABOVE = 5120;

const utf16Decoder = new TextDecoder('utf-16le');

/**
 * The update metadata document of one update as a string, decompressing the cabinet form.
 * @throws SupsyncError `CAB_CORRUPT` / `CAB_UNSUPPORTED` from the cabinet reader.
 */
export function updateDocumentXml(item: Pick<ServerSyncUpdateData, 'blob'>): string {
  const { blob } = item;
  if (!blob.compressed) return blob.xml;
  const member = extractSingleMember(Buffer.from(blob.cabBase64, 'base64'));
  // TextDecoder drops a leading BOM should a server ever add one, as the protocol says there is none.
  return utf16Decoder.decode(member);
}

/** How {@link encodeUpdateBlob} chooses the form. */
export interface EncodeUpdateBlobOptions {
  /** Compress when the UTF-16LE document is larger than this many bytes. Default 5,120 (Windows). */
  readonly compressAbove?: number;
}

/**
 * Packs an update metadata document for `GetUpdateData` the way a Windows upstream does: plain
 * text when small, else a single-member (`blob`) MSZIP cabinet of its UTF-16LE form, base64.
 * The size compared is that of the UTF-16LE form, which is what the cabinet carries.
 */
export function encodeUpdateBlob(xml: string, options?: EncodeUpdateBlobOptions): UpdateBlob {
  const limit = options?.compressAbove ?? WINDOWS_COMPRESS_ABOVE;
  if (xml.length * 2 <= limit) return { compressed: false, xml };
  // Node writes UTF-16LE without a BOM, as the protocol wants.
  const cab = writeCabinet([{ name: 'blob', data: Buffer.from(xml, 'utf16le') }], { compression: 'mszip' });
  return { compressed: true, cabBase64: Buffer.from(cab.buffer, cab.byteOffset, cab.byteLength).toString('base64') };
}

/** Bytes the blob occupies in the message once decoded from base64 (cabinet) or as UTF-8 text. */
export function updateBlobSize(blob: UpdateBlob): number {
  return blob.compressed ? Buffer.byteLength(blob.cabBase64, 'base64') : Buffer.byteLength(blob.xml, 'utf8');
}
