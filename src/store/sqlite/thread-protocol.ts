/**
 * The messages between threaded-site-store.ts and its worker (store-worker.ts): a call names a port
 * method and its arguments, a reply carries the value or the error. Both cross the thread boundary
 * by structured clone, so errors travel as plain data and are rebuilt on the calling side.
 */
import { type ErrorCode, SupsyncError } from '../../shared/errors.ts';
import type { SiteStore } from '../site-store.ts';

/** The port methods a worker runs as they are (acquireSyncLease takes a callback, so it has its own). */
export type ForwardedMethod = Exclude<keyof SiteStore, 'capabilities' | 'close' | 'acquireSyncLease'>;

export interface StoreCall {
  readonly id: number;
  /** `acquireSyncLeaseOver`: take the lease if nobody holds it or the holder is still the one given. */
  readonly method: ForwardedMethod | 'acquireSyncLeaseOver' | 'close';
  readonly args: readonly unknown[];
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: ErrorCode;
  readonly details?: Record<string, unknown>;
}

/** Id 0 answers the opening of the store. */
export type StoreReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof SupsyncError) {
    return {
      name: err.name,
      message: err.message,
      code: err.code,
      ...(err.stack === undefined ? {} : { stack: err.stack }),
      ...(err.details === undefined ? {} : { details: { ...err.details } }),
    };
  }
  if (err instanceof Error) {
    return { name: err.name, message: err.message, ...(err.stack === undefined ? {} : { stack: err.stack }) };
  }
  return { name: 'Error', message: String(err) };
}

/** The error as the caller would have seen it from the in-thread store: same class, code and details. */
export function deserializeError(e: SerializedError): Error {
  const err =
    e.code === undefined
      ? new Error(e.message)
      : new SupsyncError(e.code, e.message, e.details === undefined ? undefined : { details: e.details });
  if (e.code === undefined) err.name = e.name;
  if (e.stack !== undefined) err.stack = `${e.stack}\n    (in the store thread)`;
  return err;
}
