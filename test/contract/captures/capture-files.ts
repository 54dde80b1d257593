/**
 * Access to the real MS-WSUSSS captures in ../shared/fixtures/wsus-captures, read in place.
 * The exchange list comes from the directories, so newly added exchanges are tested too, and so
 * is every recorded set beside `exchanges/` (`exchanges-client/`, the same server's answers to
 * another client), whenever it is present.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Root of the capture set. */
export const CAPTURES = new URL('../../../../shared/fixtures/wsus-captures/', import.meta.url);
const EXCHANGES = new URL('exchanges/', CAPTURES);

/** One recorded HTTP exchange. */
export interface Exchange {
  /** `000005` in `exchanges/`, `exchanges-client/000005` in another set. */
  readonly name: string;
  /** The set it was recorded in: `exchanges`, `exchanges-client`, … */
  readonly set: string;
  readonly meta: {
    readonly path: string;
    readonly soap_action: string;
    readonly status: number;
    readonly timestamp: string;
  };
  readonly requestBody: Buffer | undefined;
  readonly responseBody: Buffer | undefined;
  /** The request's `SOAPAction` header value, as sent. */
  readonly soapActionHeader: string | undefined;
}

function readOptional(url: URL): Buffer | undefined {
  return existsSync(url) ? readFileSync(url) : undefined;
}

function readExchange(dir: URL, set: string, name: string): Exchange {
  const headers = readOptional(new URL('request.headers', dir))?.toString('utf8') ?? '';
  return {
    name,
    set,
    meta: JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')),
    requestBody: readOptional(new URL('request.body', dir)),
    responseBody: readOptional(new URL('response.body', dir)),
    soapActionHeader: /^soapaction:\s*(.*?)\s*$/im.exec(headers)?.[1],
  };
}

const numbered = (dir: URL) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d+$/.test(d.name))
    .map((d) => d.name)
    .sort();

/** The exchanges of `exchanges/` (`000001`, ...), sorted. */
export function listExchanges(): Exchange[] {
  return numbered(EXCHANGES).map((name) => readExchange(new URL(`${name}/`, EXCHANGES), 'exchanges', name));
}

/** Every exchange of every recorded set: `exchanges/` first, then `exchanges-*` in name order. */
export function listAllExchanges(): Exchange[] {
  const others = readdirSync(CAPTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^exchanges-[\w-]+$/.test(d.name))
    .map((d) => d.name)
    .sort();
  return [
    ...listExchanges(),
    ...others.flatMap((set) =>
      numbered(new URL(`${set}/`, CAPTURES)).map((name) =>
        readExchange(new URL(`${set}/${name}/`, CAPTURES), set, `${set}/${name}`),
      ),
    ),
  ];
}

/** One exchange by number, e.g. `'000005'`. */
export function exchange(name: string): Exchange {
  const found = listExchanges().find((e) => e.name === name);
  if (found === undefined) throw new Error(`capture exchange ${name} not found`);
  return found;
}

/** A decoded update document from `docs/`, e.g. `docs('ccb78947-...-r200')`. */
export function capturedDocument(name: string): string {
  return readFileSync(new URL(`docs/${name}.xml`, CAPTURES), 'utf8');
}
