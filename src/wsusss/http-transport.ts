/**
 * SOAP over HTTP(S) for the downstream client: one POST per call, the body streamed into the
 * decoder, transport failures turned into stable error codes. HTTPS may trust one extra CA
 * (Microsoft Update's chain ends at "Microsoft Root Certificate Authority 2011", which is not in
 * Node's store).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, request } from 'undici';
import { SupsyncError } from '../shared/errors.ts';
import { decodeResponse, encodeRequest, servicePath, soapActionHeader } from './messages/index.ts';
import type { Operation, ResponseOf, WsusssRequest } from './messages/types.ts';

export interface HttpTransportOptions {
  /** Root URL of the upstream, e.g. `https://sws.update.microsoft.com` or `http://wsus:8530`. */
  readonly upstreamUrl: string;
  /** PEM file with an extra trusted CA certificate. */
  readonly caFile?: string;
  /** Milliseconds to wait for response headers and between body chunks. Default 180 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Posts MS-WSUSSS requests to one upstream. */
export class HttpTransport {
  private readonly dispatcher: Dispatcher;
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: HttpTransportOptions) {
    this.root = options.upstreamUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 180_000;
    this.userAgent = options.userAgent ?? 'supsync (MS-WSUSSS downstream server)';
    const ca = options.caFile === undefined ? undefined : [...rootCertificates, readCa(options.caFile)];
    this.dispatcher = new Agent({
      connections: 8,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(ca === undefined ? {} : { connect: { ca } }),
    });
  }

  /** The absolute URL a service path resolves to (the DSS auth path comes from GetAuthConfig). */
  urlFor(path: string): string {
    return `${this.root}/${path.replace(/^\/+/, '')}`;
  }

  /**
   * Sends `req` and decodes the answer.
   * @throws WsusssFaultError for SOAP faults; SupsyncError UPSTREAM_HTTP / UPSTREAM_UNREACHABLE /
   *   UPSTREAM_TIMEOUT / ABORTED for transport failures; XML_* / SOAP_MALFORMED for bad bodies.
   */
  async call<O extends Operation>(
    req: WsusssRequest & { operation: O },
    signal: AbortSignal,
    path: string = servicePath(req.operation),
  ): Promise<ResponseOf<O>> {
    const url = this.urlFor(path);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: soapActionHeader(req.operation),
          'user-agent': this.userAgent,
        },
        body: encodeRequest(req),
      });
    } catch (err) {
      throw transportError(err, url, signal);
    }
    const type = String(res.headers['content-type'] ?? '');
    const isXml = /xml/i.test(type);
    if (res.statusCode !== 200 && !(res.statusCode === 500 && isXml)) {
      const text = (await res.body.text().catch(() => '')).slice(0, 200);
      throw new SupsyncError('UPSTREAM_HTTP', `${url} answered HTTP ${res.statusCode}${text ? `: ${text}` : ''}`, {
        details: { status: res.statusCode, url },
      });
    }
    try {
      return await decodeResponse(req.operation, res.body);
    } catch (err) {
      if (err instanceof SupsyncError) throw err;
      throw transportError(err, url, signal);
    } finally {
      res.body.destroy();
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SupsyncError('CONFIG_INVALID', `upstream-ca-file: cannot read ${path}: ${(err as Error).message}`);
  }
}

function transportError(err: unknown, url: string, signal: AbortSignal): SupsyncError {
  if (signal.aborted) return new SupsyncError('ABORTED', `request to ${url} was cancelled`, { cause: err });
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new SupsyncError('UPSTREAM_TIMEOUT', `request to ${url} timed out`, { cause: err });
  }
  if (NETWORK_CODES.has(code) || code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'UND_ERR_SOCKET') {
    return new SupsyncError('UPSTREAM_UNREACHABLE', `cannot reach ${url}: ${code} ${e.message ?? ''}`.trim(), {
      cause: err,
    });
  }
  return new SupsyncError('UPSTREAM_UNREACHABLE', `request to ${url} failed: ${e.message ?? String(err)}`, {
    cause: err,
  });
}
