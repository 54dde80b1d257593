/**
 * The MS-WSUSSS downstream client: authorization and cookie lifecycle, config data, revision
 * lists, and update data in bounded, parallel batches — with retry by fault code, re-requests of
 * ids a reply left out, and isolation of ids the upstream refuses.
 */
import { randomUUID } from 'node:crypto';
import { revisionKey, type UpdateIdentity } from '../catalog/model.ts';
import { isSupsyncError, SupsyncError, toSupsyncError } from '../shared/errors.ts';
import { HttpTransport, type HttpTransportOptions } from './http-transport.ts';
import { DSS_AUTH_PATH } from './messages/index.ts';
import type {
  Cookie,
  Operation,
  ResultOf,
  RevisionIdList,
  ServerDecryptionData,
  ServerSyncConfigData,
  ServerSyncDeploymentResult,
  ServerSyncFilter,
  ServerSyncUpdateData,
  WsusssRequest,
} from './messages/types.ts';
import { updateDocumentXml } from './messages/update-blob.ts';
import { WsusssFaultError } from './soap/fault.ts';

export interface WsusssClientOptions extends HttpTransportOptions {
  /** FQDN-like name presented to the upstream's DSS auth service. */
  readonly accountName?: string;
  readonly accountGuid?: string;
  /** Protocol version sent in GetCookie. Default `1.20` (WSUS 10). */
  readonly protocolVersion?: string;
  /** Parallel GetUpdateData calls. Default 4. */
  readonly concurrency?: number;
  /** Attempts per call for retryable failures. Default 4. */
  readonly attempts?: number;
  /** Base backoff in ms (doubled per attempt, with jitter). Default 500. */
  readonly backoffMs?: number;
  /** Refresh the cookie when it expires within this many ms. Default 5 minutes. */
  readonly cookieRefreshMs?: number;
  readonly now?: () => Date;
}

/** One fetched update: its metadata document, or the error that kept it from us. */
export type FetchedUpdate =
  | { readonly id: UpdateIdentity; readonly xml: string; readonly fileDigests: readonly string[] }
  | { readonly id: UpdateIdentity; readonly error: SupsyncError };

/** Faults after which the whole protocol restarts from authorization. */
const REAUTH = new Set(['InvalidCookie', 'InvalidAuthorizationCookie']);
const RETRYABLE_CODES = new Set(['UPSTREAM_UNREACHABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_HTTP']);

export class WsusssClient {
  private readonly transport: HttpTransport;
  private readonly now: () => Date;
  private cookie: Cookie | undefined;
  private login: Promise<Cookie> | undefined;

  constructor(private readonly options: WsusssClientOptions) {
    this.transport = new HttpTransport(options);
    this.now = options.now ?? (() => new Date());
  }

  get upstreamUrl(): string {
    return this.options.upstreamUrl;
  }

  /** GetConfigData; `configAnchor` is the last NewConfigAnchor (absent on the first call). */
  async getConfigData(configAnchor: string | undefined, signal: AbortSignal): Promise<ServerSyncConfigData> {
    return this.withCookie<'GetConfigData'>(signal, (cookie) => ({
      operation: 'GetConfigData',
      cookie,
      ...(configAnchor === undefined ? {} : { configAnchor }),
    }));
  }

  /** GetRevisionIdList (one call, no paging: the whole list comes back at once). */
  async getRevisionIdList(filter: ServerSyncFilter, signal: AbortSignal): Promise<RevisionIdList> {
    return this.withCookie<'GetRevisionIdList'>(signal, (cookie) => ({
      operation: 'GetRevisionIdList',
      cookie,
      filter,
    }));
  }

  /** GetUpdateDecryptionData for at most MaxUpdatesPerRequestInGetUpdateDecryptionData revisions. */
  async getUpdateDecryptionData(ids: readonly UpdateIdentity[], signal: AbortSignal): Promise<ServerDecryptionData> {
    return this.withCookie<'GetUpdateDecryptionData'>(signal, (cookie) => ({
      operation: 'GetUpdateDecryptionData',
      cookie,
      updateIds: ids,
    }));
  }

  /**
   * GetDeployments, which only a replica downstream server calls: `syncAnchor` is the anchor of the
   * last GetRevisionIdList answer, `deploymentAnchor` that of the last GetDeployments answer.
   */
  async getDeployments(
    deploymentAnchor: string | undefined,
    syncAnchor: string,
    signal: AbortSignal,
  ): Promise<ServerSyncDeploymentResult> {
    return this.withCookie<'GetDeployments'>(signal, (cookie) => ({
      operation: 'GetDeployments',
      cookie,
      ...(deploymentAnchor === undefined ? {} : { deploymentAnchor }),
      syncAnchor,
    }));
  }

  /**
   * Fetches update documents in batches of at most `maxPerRequest`, `concurrency` batches at a
   * time, calling `onBatch` per answered batch. If `onBatch` throws, no new batch starts and the
   * error is rethrown once the running ones end.
   */
  async fetchUpdates(
    ids: readonly UpdateIdentity[],
    maxPerRequest: number,
    onBatch: (items: readonly FetchedUpdate[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const size = Math.max(1, Math.min(maxPerRequest, 100_000));
    const batches: UpdateIdentity[][] = [];
    for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size));
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < batches.length) {
        const batch = batches[next++] as UpdateIdentity[];
        try {
          signal.throwIfAborted();
          const items = await this.fetchBatch(batch, signal);
          if (failure === undefined) await onBatch(items);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    const n = Math.max(1, Math.min(this.options.concurrency ?? 4, batches.length));
    await Promise.all(Array.from({ length: n }, worker));
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** One batch, re-requesting ids the reply left out and isolating ids the upstream refuses. */
  private async fetchBatch(ids: readonly UpdateIdentity[], signal: AbortSignal): Promise<FetchedUpdate[]> {
    let result: ResultOf['GetUpdateData'];
    try {
      result = await this.withCookie<'GetUpdateData'>(signal, (cookie) => ({
        operation: 'GetUpdateData',
        cookie,
        updateIds: ids,
      }));
    } catch (err) {
      // WSUS faults the whole call for one unknown id: split the batch to find it.
      if (!(err instanceof WsusssFaultError) || err.wsusssErrorCode !== 'InternalServerError') throw err;
      if (ids.length === 1) return [{ id: ids[0] as UpdateIdentity, error: err }];
      const mid = Math.ceil(ids.length / 2);
      return [
        ...(await this.fetchBatch(ids.slice(0, mid), signal)),
        ...(await this.fetchBatch(ids.slice(mid), signal)),
      ];
    }
    const out: FetchedUpdate[] = [];
    const byKey = new Map<string, ServerSyncUpdateData>();
    for (const u of result.updates) byKey.set(revisionKey(u.id), u);
    const missing: UpdateIdentity[] = [];
    for (const id of ids) {
      const item = byKey.get(revisionKey(id));
      if (item === undefined) {
        missing.push(id);
        continue;
      }
      try {
        out.push({ id, xml: updateDocumentXml(item), fileDigests: item.fileDigestList ?? [] });
      } catch (err) {
        out.push({ id, error: toSupsyncError(err) });
      }
    }
    // A Windows upstream caps a reply near 2 MB and may answer fewer updates than asked: ask again.
    if (missing.length > 0 && missing.length < ids.length) out.push(...(await this.fetchBatch(missing, signal)));
    else if (missing.length > 0) {
      for (const id of missing) {
        out.push({ id, error: new SupsyncError('WSUSSS_FAULT', `the upstream did not return ${revisionKey(id)}`) });
      }
    }
    return out;
  }

  /** Runs one cookie-carrying call with re-authorization and retry by failure kind. */
  private async withCookie<O extends Operation>(
    signal: AbortSignal,
    build: (cookie: Cookie) => WsusssRequest & { operation: O },
  ): Promise<ResultOf[O]> {
    const attempts = this.options.attempts ?? 4;
    let reauthorized = false;
    for (let attempt = 1; ; attempt++) {
      const cookie = await this.ensureCookie(signal);
      try {
        return (await this.transport.call<O>(build(cookie), signal)).result;
      } catch (err) {
        if (err instanceof WsusssFaultError && REAUTH.has(err.wsusssErrorCode) && !reauthorized) {
          reauthorized = true;
          this.cookie = undefined;
          continue;
        }
        if (attempt >= attempts || !isRetryable(err)) throw err;
        await sleep(this.backoff(attempt), signal);
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 500;
    return base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
  }

  /** The current cookie, logging in (once, even under concurrency) when absent or about to expire. */
  private async ensureCookie(signal: AbortSignal): Promise<Cookie> {
    const refreshMs = this.options.cookieRefreshMs ?? 5 * 60_000;
    const c = this.cookie;
    if (c !== undefined && c.expirationDate.getTime() - this.now().getTime() > refreshMs) return c;
    this.login ??= this.authorize(signal).finally(() => {
      this.login = undefined;
    });
    this.cookie = await this.login;
    return this.cookie;
  }

  private async authorize(signal: AbortSignal): Promise<Cookie> {
    const config = (await this.transport.call({ operation: 'GetAuthConfig' }, signal)).result;
    const plugin = config.authInfo.find((p) => p.plugInId === 'DssTargeting') ?? config.authInfo[0];
    const authPath = plugin?.serviceUrl ?? DSS_AUTH_PATH;
    const auth = (
      await this.transport.call(
        {
          operation: 'GetAuthorizationCookie',
          accountName: this.options.accountName ?? 'supsync.local',
          accountGuid: this.options.accountGuid ?? randomUUID(),
        },
        signal,
        authPath,
      )
    ).result;
    const old = this.cookie;
    return (
      await this.transport.call(
        {
          operation: 'GetCookie',
          authCookies: [auth],
          ...(old === undefined ? {} : { oldCookie: old }),
          protocolVersion: this.options.protocolVersion ?? '1.20',
        },
        signal,
      )
    ).result;
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof WsusssFaultError) return err.wsusssErrorCode === 'ServerBusy';
  if (!isSupsyncError(err) || !RETRYABLE_CODES.has(err.code)) return false;
  // A 4xx will not get better by asking again; a 5xx or a network failure may.
  const status = err.details?.status;
  return typeof status !== 'number' || status >= 500;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new SupsyncError('ABORTED', 'cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new SupsyncError('ABORTED', 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
