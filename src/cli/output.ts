/**
 * Small helpers every command shares: printing JSON or text, turning errors into exit codes.
 */
import { type ErrorCode, isSupsyncError } from '../shared/errors.ts';

/** Codes that mean "the input was wrong" (exit 2); everything else is a failure (exit 1). */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INPUT_INVALID',
  'CONFIG_INVALID',
  'CONFIG_UNKNOWN_CATEGORY',
  'EXPORT_PACKAGE_INVALID',
  'XML_MALFORMED',
  'XML_DTD_FORBIDDEN',
  'SOAP_MALFORMED',
  'SOAP_UNKNOWN_OPERATION',
  'CAB_CORRUPT',
  'CAB_UNSUPPORTED',
  'UPDATE_XML_INVALID',
  'STORE_NOT_INITIALIZED',
  'STORE_ALREADY_INITIALIZED',
  'STORE_SCHEMA_NEWER',
  'AUTH_REQUIRED',
  'AUTH_FORBIDDEN',
  'NOT_FOUND',
]);

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: process.stdout.isTTY === true,
};

/**
 * A progress callback for line output: prints `line(done, total, pct)` each time another tenth of
 * the work is done (`pct` is the exact percentage).
 */
export function tenthsPrinter(
  io: Io,
  line: (done: number, total: number, pct: number) => string,
): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    const tenth = Math.floor(pct / 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    io.out(line(done, total, pct));
  };
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error the way every command does, and returns the exit code. */
export function reportError(io: Io, err: unknown): number {
  if (isSupsyncError(err)) {
    io.err(`error ${err.code}: ${err.message}\n`);
    return INPUT_CODES.has(err.code) ? 2 : 1;
  }
  io.err(`error INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
