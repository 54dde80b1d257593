/**
 * Public surface of the MS-WSUSSS messages: types, operation table, codec, and helpers.
 * The update-blob helpers (which need the cabinet code) live in `./update-blob.ts`.
 */

export type { DecodedMessage } from './codec.ts';
export { decodeMessage, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './codec.ts';
export { formatDateTime, makeCookie, parseDateTime } from './common.ts';
export {
  DSS_AUTH_PATH,
  OPERATIONS,
  operationNamespace,
  operationOfSoapAction,
  SERVER_SYNC_PATH,
  servicePath,
  soapAction,
  soapActionHeader,
} from './operations.ts';
export type * from './types.ts';
