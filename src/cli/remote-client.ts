/**
 * The CLI's client for a running site (`--server <url> --token <token>`): JSON requests to the
 * REST API and its server-sent event streams, with the API's error envelope turned back into the
 * SupsyncError it describes, so remote and local commands fail the same way.
 */
import { Agent, request } from 'undici';
import { ERROR_CODES, type ErrorCode, SupsyncError } from '../shared/errors.ts';

/** Where a command works: a local database, or a running site. */
export type Target =
  | { readonly kind: 'local'; readonly db: string }
  | { readonly kind: 'remote'; readonly client: RemoteClient };

export interface TargetOptions {
  readonly db?: string;
  readonly server?: string;
  readonly token?: string;
}

/** `--db` or `--server` (with `--token`, or SUPSYNC_TOKEN in the environment), exactly one. */
export function targetOf(o: TargetOptions, env: NodeJS.ProcessEnv = process.env): Target {
  if (o.db !== undefined && o.server !== undefined)
    throw new SupsyncError('INPUT_INVALID', 'give --db or --server, not both');
  if (o.server !== undefined)
    return { kind: 'remote', client: new RemoteClient(o.server, o.token ?? env.SUPSYNC_TOKEN) };
  if (o.db !== undefined) return { kind: 'local', db: o.db };
  throw new SupsyncError('INPUT_INVALID', '--db <path> (a local site) or --server <url> (a running site) is required');
}

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

const KNOWN_CODES = new Set(Object.keys(ERROR_CODES));

export class RemoteClient {
  private readonly base: string;
  private readonly dispatcher = new Agent({ connections: 2 });

  constructor(
    server: string,
    private readonly token: string | undefined,
  ) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new SupsyncError('INPUT_INVALID', `--server "${server}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new SupsyncError('INPUT_INVALID', '--server must be an http(s) URL');
    this.base = url.toString().replace(/\/+$/, '');
  }

  get server(): string {
    return this.base;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.call<T>('GET', this.url(path, query));
  }

  async send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.call<T>(method, this.url(path, {}), body);
  }

  /** Reads the event stream at `path` until the server ends it, calling `onEvent` per event. */
  async events(path: string, onEvent: (event: string, data: unknown) => void): Promise<void> {
    const res = await this.open('GET', this.url(path, {}), undefined, 'text/event-stream');
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += chunk.toString();
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) onEvent(event, JSON.parse(data) as unknown);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private url(path: string, query: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.base}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.open(method, url, body, 'application/json');
    if (res.statusCode === 204) {
      await res.body.dump();
      return undefined as T;
    }
    return (await res.body.json()) as T;
  }

  private async open(method: string, url: string, body: unknown, accept: string) {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: method as 'GET',
        dispatcher: this.dispatcher,
        headers: {
          accept,
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new SupsyncError(
        'SERVER_UNREACHABLE',
        `cannot reach ${this.base}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (res.statusCode < 400) return res;
    throw await errorOf(res);
  }
}

/** The API's error envelope as a SupsyncError (unknown codes become INTERNAL with the text kept). */
async function errorOf(res: Awaited<ReturnType<typeof request>>): Promise<SupsyncError> {
  const text = await res.body.text();
  try {
    const e = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && KNOWN_CODES.has(e.code))
      return new SupsyncError(e.code as ErrorCode, String(e.message ?? ''));
  } catch {
    // not the envelope: fall through with the raw text
  }
  return new SupsyncError('INTERNAL', `the server answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
}
