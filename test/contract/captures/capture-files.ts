/**
 * Access to the real MS-WSUSSS captures in ../shared/fixtures/wsus-captures, read in place.
 * The exchange list comes from the directory, so newly added exchanges are tested too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Root of the capture set. */
export const CAPTURES = new URL('../../../../shared/fixtures/wsus-captures/', import.meta.url);
const EXCHANGES = new URL('exchanges/', CAPTURES);

/** One recorded HTTP exchange. */
export interface Exchange {
  readonly name: string;
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

/** Every exchange directory (`000001`, ...), sorted. */
export function listExchanges(): Exchange[] {
  return readdirSync(EXCHANGES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d+$/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = new URL(`${name}/`, EXCHANGES);
      const headers = readOptional(new URL('request.headers', dir))?.toString('utf8') ?? '';
      return {
        name,
        meta: JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')),
        requestBody: readOptional(new URL('request.body', dir)),
        responseBody: readOptional(new URL('response.body', dir)),
        soapActionHeader: /^soapaction:\s*(.*?)\s*$/im.exec(headers)?.[1],
      };
    });
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
