/**
 * A small HTTP proxy on loopback in front of a real upstream: it forwards every request as it is,
 * notes each SOAP operation, and lets a test take over the next request for one operation, to
 * answer it itself (a fault a Windows WSUS sends) or to hold it and forward it later (a slow
 * upstream, so a test can look at a sync while it runs).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/** Takes over one request: answer `res` directly, or call `forward()` (at any time) to send it on. */
export type Interceptor = (res: ServerResponse, forward: () => Promise<void>) => Promise<void> | void;

export interface UpstreamProxy {
  readonly url: string;
  /** The SOAP operations of every request, in arrival order. */
  readonly seen: readonly string[];
  /** Hands the next request for `operation` (e.g. `GetUpdateData`) to `interceptor`, once. */
  interceptNext(operation: string, interceptor: Interceptor): void;
  /**
   * Forwards the next `nth - 1` requests for `operation` and holds the `nth`: `reached` resolves
   * when it arrives (and rejects when it has not within 20 s), `release()` forwards it.
   */
  hold(operation: string, nth: number): { readonly reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `GetUpdateData` from a SOAPAction header such as `"http://www.microsoft.com/…/GetUpdateData"`. */
function operationOf(req: IncomingMessage): string {
  const action = String(req.headers.soapaction ?? '').replaceAll('"', '');
  return action.slice(action.lastIndexOf('/') + 1);
}

const HOLD_WAIT_MS = 20_000;

export async function startUpstreamProxy(target: string): Promise<UpstreamProxy> {
  const seen: string[] = [];
  const next = new Map<string, Interceptor>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const operation = operationOf(req);
      seen.push(operation);
      const forward = async () => {
        const upstream = await request(`${target}${req.url ?? '/'}`, {
          method: (req.method ?? 'GET') as 'POST',
          headers: {
            'content-type': String(req.headers['content-type'] ?? 'text/xml; charset=utf-8'),
            ...(req.headers.soapaction === undefined ? {} : { soapaction: String(req.headers.soapaction) }),
          },
          body,
        });
        const answer = Buffer.from(await upstream.body.arrayBuffer());
        res.writeHead(upstream.statusCode, {
          'content-type': String(upstream.headers['content-type'] ?? 'text/xml; charset=utf-8'),
        });
        res.end(answer);
      };
      const interceptor = next.get(operation);
      next.delete(operation);
      await (interceptor === undefined ? forward() : interceptor(res, forward));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const interceptNext = (operation: string, interceptor: Interceptor) => void next.set(operation, interceptor);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    interceptNext,
    hold: (operation, nth) => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reached = new Promise<void>((resolve, reject) => {
        // A test waiting for a request that never comes fails instead of hanging.
        const late = setTimeout(
          () => reject(new Error(`${operation} #${nth} did not reach the proxy within ${HOLD_WAIT_MS} ms`)),
          HOLD_WAIT_MS,
        );
        const arm = (left: number) =>
          interceptNext(operation, async (_res, forward) => {
            if (left > 1) {
              arm(left - 1);
              return forward();
            }
            clearTimeout(late);
            resolve();
            await gate;
            return forward();
          });
        arm(nth);
      });
      return { reached, release };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
