/**
 * What every command shares: the context it runs in, error handling, option parsing.
 */
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { SiteStore } from '../store/site-store.ts';
import { type Io, reportError } from './output.ts';
import { type RemoteClient, type TargetOptions, targetOf } from './remote-client.ts';

export interface CommandContext {
  readonly io: Io;
  readonly setExit: (code: number) => void;
}

/** Wraps a command action: errors become `error CODE: message` and an exit code. */
export function action<A extends unknown[]>(ctx: CommandContext, fn: (...args: A) => Promise<number | undefined>) {
  return async (...args: A) => {
    try {
      ctx.setExit((await fn(...args)) ?? 0);
    } catch (err) {
      ctx.setExit(reportError(ctx.io, err));
    }
  };
}

/** Parses an integer option or fails with INPUT_INVALID naming the option. */
export function intOption(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === undefined) {
    if (fallback === undefined) throw new SupsyncError('INPUT_INVALID', `--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new SupsyncError('INPUT_INVALID', `--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

/** Listens on `host`; a port in use is a bad option, not an internal error. */
export async function listenOn(
  app: FastifyInstance,
  port: number,
  option: string,
  host = '127.0.0.1',
): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new SupsyncError('INPUT_INVALID', `--${option} ${port} is in use; choose another port (0 picks a free one)`);
  }
}

/**
 * Runs a command's work where `--db` or `--server` says: `remote` with a client of the running
 * site, or `local` with the site's store opened (it must exist); either is closed afterwards.
 */
export async function onTarget<T>(
  o: TargetOptions,
  work: { remote: (client: RemoteClient) => Promise<T>; local: (store: SiteStore) => Promise<T> },
): Promise<T> {
  const target = targetOf(o);
  if (target.kind === 'remote') {
    try {
      return await work.remote(target.client);
    } finally {
      await target.client.close();
    }
  }
  const store = await openStore(target.db, { mustExist: true });
  try {
    return await work.local(store);
  } finally {
    await store.close();
  }
}

/** What `withTargetOptions` declares, as a command's action receives it. */
export interface TargetFlags extends TargetOptions {
  readonly json?: boolean;
}

/**
 * Declares `--db`, `--server`, `--token` and `--json` on a command that works on a local site or a
 * running one: `token` names the token --server needs, `json` what --json prints (`false`: none).
 */
export function withTargetOptions(cmd: Command, o: { token?: string; json?: string | false } = {}): Command {
  const target = cmd
    .option('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .option('--server <url>', 'a running site (supsync serve)')
    .option('--token <token>', `${o.token ?? 'API token'} for --server (default: $SUPSYNC_TOKEN)`);
  return o.json === false ? target : target.option('--json', o.json ?? 'print JSON');
}
