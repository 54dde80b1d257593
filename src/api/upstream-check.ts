/**
 * "Test the connection" for the configured upstream: the first MS-WSUSSS exchange a sync makes
 * (GetAuthConfig, GetAuthorizationCookie, GetCookie, GetConfigData), once, without retries, timed.
 * A failed check is an answer (ok: false with the error code), not an error of the API call.
 */
import { performance } from 'node:perf_hooks';
import { toSupsyncError } from '../shared/errors.ts';
import type { SupSettings } from '../site/settings.ts';
import { WsusssClient } from '../wsusss/client.ts';

export interface UpstreamCheck {
  readonly ok: boolean;
  readonly upstreamUrl: string;
  readonly elapsedMs: number;
  readonly protocolVersion?: string;
  readonly maxUpdatesPerRequest?: number;
  readonly languages?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface UpstreamCheckOptions {
  /** Per-request timeout. Default 15 s. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/** Runs the connection check against `settings.upstreamUrl`. */
export async function checkUpstream(settings: SupSettings, options: UpstreamCheckOptions = {}): Promise<UpstreamCheck> {
  const upstreamUrl = settings.upstreamUrl;
  if (upstreamUrl === 'none') {
    return {
      ok: false,
      upstreamUrl,
      elapsedMs: 0,
      error: { code: 'CONFIG_INVALID', message: 'this site has no upstream (upstream is "none")' },
    };
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = new WsusssClient({
    upstreamUrl,
    ...(settings.upstreamCaFile === undefined ? {} : { caFile: settings.upstreamCaFile }),
    accountName: `${settings.supName}.${settings.siteCode.toLowerCase()}.supsync`,
    attempts: 1,
    timeoutMs,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  try {
    // Four round trips at most, each bounded by timeoutMs.
    const config = await client.getConfigData(undefined, AbortSignal.timeout(timeoutMs * 4));
    return {
      ok: true,
      upstreamUrl,
      elapsedMs: elapsed(),
      ...(config.protocolVersion === undefined ? {} : { protocolVersion: config.protocolVersion }),
      maxUpdatesPerRequest: config.maxNumberOfUpdatesPerRequest,
      languages: config.languageUpdateList?.length ?? 0,
    };
  } catch (err) {
    const e = toSupsyncError(err);
    return { ok: false, upstreamUrl, elapsedMs: elapsed(), error: { code: e.code, message: e.message } };
  } finally {
    await client.close();
  }
}
