/**
 * Stable error codes. A code, once released, is never reused for another meaning.
 * Every code here has a row in docs/errors.md; test/unit/errors.test.ts keeps the two equal.
 * HTTP status and CLI exit codes are chosen at the edges (src/api, src/cli), not here.
 */
export const ERROR_CODES = {
  // Configuration and input
  CONFIG_INVALID: 'A setting has a bad value or an unknown name',
  CONFIG_UNKNOWN_CATEGORY: 'A product or classification named in the subscription is not in the catalog',
  INPUT_INVALID: 'A command-line argument or request field is invalid',
  // XML and SOAP
  XML_MALFORMED: 'An XML document is not well-formed',
  XML_DTD_FORBIDDEN: 'An XML document carries a DTD or entity declaration, which is refused',
  SOAP_MALFORMED: 'A SOAP envelope is well-formed XML but not a valid message',
  SOAP_UNKNOWN_OPERATION: 'A SOAP body names an operation supsync does not know',
  WSUSSS_FAULT: 'The upstream server answered with a SOAP fault (see wsusssErrorCode)',
  // Cabinets
  CAB_CORRUPT: 'A cabinet file is truncated, inconsistent or fails its checksum',
  CAB_UNSUPPORTED: 'A cabinet uses a feature supsync does not decode (Quantum, multi-cabinet sets)',
  // Update metadata
  UPDATE_XML_INVALID: 'An update metadata document lacks required parts',
  // Upstream transport
  UPSTREAM_HTTP: 'The upstream answered with an unexpected HTTP status',
  UPSTREAM_UNREACHABLE: 'The upstream could not be reached (DNS, TCP, TLS)',
  UPSTREAM_TIMEOUT: 'A request to the upstream timed out',
  ABORTED: 'The operation was cancelled',
  // Store
  STORE_SCHEMA_NEWER: 'The database was written by a newer supsync; refusing to use it',
  STORE_NOT_INITIALIZED: 'The database holds no site; run supsync init first',
  STORE_ALREADY_INITIALIZED: 'The database already holds a site',
  STORE_IO: 'The database could not be opened or written',
  // Sync
  SYNC_IN_PROGRESS: 'Another sync of this site is running',
  SYNC_NOT_ACTIVE: 'The sync run is not running or queued in this server, so it cannot be cancelled',
  SYNC_TOO_MANY_FAILURES: 'Too many consecutive update failures; the sync was aborted',
  EXPORT_PACKAGE_INVALID: 'An export package is not one, is damaged or cut short, or changed while it was read',
  // API
  AUTH_REQUIRED: 'The request carries no valid bearer token',
  AUTH_FORBIDDEN: 'The token role does not allow this operation',
  NOT_FOUND: 'The requested object does not exist',
  SERVER_UNREACHABLE: 'The supsync server named by --server could not be reached',
  INTERNAL: 'An unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type supsync throws on purpose: a stable code plus a human message. */
export class SupsyncError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SupsyncError';
    this.code = code;
    this.details = options?.details === undefined ? undefined : Object.freeze({ ...options.details });
  }
}

/** True when `err` is a SupsyncError, optionally with the given code. */
export function isSupsyncError(err: unknown, code?: ErrorCode): err is SupsyncError {
  return err instanceof SupsyncError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a SupsyncError, keeping an existing code. */
export function toSupsyncError(err: unknown): SupsyncError {
  if (err instanceof SupsyncError) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new SupsyncError('ABORTED', err.message, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new SupsyncError('INTERNAL', message, { cause: err });
}
