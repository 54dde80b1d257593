/** MS-CAB reading (stored, MSZIP, LZX) and writing (stored, MSZIP). */

export type { CabCompression } from './cab-directory.ts';
export {
  type CabinetReader,
  type CabMember,
  type CabMemberInfo,
  type CabReadOptions,
  DEFAULT_MAX_OUTPUT_BYTES,
  extractCabinet,
  extractSingleMember,
  openCabinet,
} from './cab-reader.ts';
export { type CabWriteMember, type CabWriteOptions, writeCabinet } from './cab-writer.ts';
