/**
 * SOAP envelope codec for MS-WSUSSS: finding the body element of a parsed envelope, typed
 * order-insensitive field access, and writing envelopes byte-for-byte in the shape WSUS uses.
 */
import { SupsyncError } from '../../shared/errors.ts';
import type { XmlElement } from './xml-reader.ts';

/** SOAP 1.1 envelope namespace, the one MS-WSUSSS uses. */
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** SOAP 1.2 envelope namespace; accepted when reading (WSUS also answers SOAP 1.2). */
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Namespace of the ServerSync operations and types. */
export const WSUS_NS = 'http://www.microsoft.com/SoftwareDistribution';
/** Namespace of the DSS authorization service. */
export const DSS_AUTH_NS = 'http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const REQUEST_OPEN = `${XML_DECLARATION}<soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body>`;
// ASP.NET declares xsi and xsd on every response envelope; written the same so captures compare.
const RESPONSE_OPEN = `${XML_DECLARATION}<soap:Envelope xmlns:soap="${SOAP11_NS}" xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

/** The parts of an envelope the codec needs. */
export interface SoapEnvelope {
  readonly soapVersion: '1.1' | '1.2';
  /** The first element inside `Body`: an operation, a response, or a `Fault`. */
  readonly bodyElement: XmlElement;
}

/**
 * Locates the body element of a parsed SOAP 1.1 or 1.2 envelope. Headers are ignored (MS-WSUSSS
 * defines none).
 * @throws SupsyncError `SOAP_MALFORMED` for a wrong root, a missing `Body` or an empty `Body`.
 */
export function readEnvelope(root: XmlElement): SoapEnvelope {
  if (root.local !== 'Envelope' || (root.ns !== SOAP11_NS && root.ns !== SOAP12_NS)) {
    throw soapMalformed(`root element is ${describe(root)}, expected a SOAP Envelope`);
  }
  const body = root.children.find((c) => c.ns === root.ns && c.local === 'Body');
  if (body === undefined) throw soapMalformed('SOAP Envelope has no Body');
  const bodyElement = body.children[0];
  if (bodyElement === undefined) throw soapMalformed('SOAP Body is empty');
  return { soapVersion: root.ns === SOAP11_NS ? '1.1' : '1.2', bodyElement };
}

/** `{namespace}local` for messages. */
export function describe(el: XmlElement): string {
  return el.ns === '' ? el.local : `{${el.ns}}${el.local}`;
}

/** A SOAP_MALFORMED error. */
export function soapMalformed(message: string): SupsyncError {
  return new SupsyncError('SOAP_MALFORMED', message);
}

/**
 * Reads the children of one element by local name in the element's own namespace (document/literal
 * with `elementFormDefault="qualified"`: children share their parent's namespace), in any order.
 * `path` names the element in error messages, e.g. `GetRevisionIdList/filter`.
 */
export class Fields {
  readonly el: XmlElement;
  readonly path: string;

  constructor(el: XmlElement, path: string = el.local) {
    this.el = el;
    this.path = path;
  }

  /** The child element, or undefined. */
  opt(local: string): XmlElement | undefined {
    const { ns, children } = this.el;
    for (const c of children) if (c.local === local && c.ns === ns) return c;
    return undefined;
  }

  /** The child element; missing → SOAP_MALFORMED naming the field. */
  req(local: string): XmlElement {
    return this.opt(local) ?? this.missing(local);
  }

  /** Throws the SOAP_MALFORMED error for a missing required child. */
  missing(local: string): never {
    throw soapMalformed(`missing required element ${this.path}/${local}`);
  }

  /** Field access on a child element. */
  sub(local: string): Fields {
    return new Fields(this.req(local), `${this.path}/${local}`);
  }

  /** Field access on an optional child element. */
  optSub(local: string): Fields | undefined {
    const c = this.opt(local);
    return c === undefined ? undefined : new Fields(c, `${this.path}/${local}`);
  }

  text(local: string): string {
    return this.req(local).text;
  }

  optText(local: string): string | undefined {
    return this.opt(local)?.text;
  }

  bool(local: string): boolean {
    return parseBool(this.text(local), `${this.path}/${local}`);
  }

  optBool(local: string): boolean | undefined {
    const t = this.optText(local);
    return t === undefined ? undefined : parseBool(t, `${this.path}/${local}`);
  }

  int(local: string): number {
    return parseInt32(this.text(local), `${this.path}/${local}`);
  }

  optInt(local: string): number | undefined {
    const t = this.optText(local);
    return t === undefined ? undefined : parseInt32(t, `${this.path}/${local}`);
  }

  /** The items of a literal array child (`<Name><Item/>...</Name>`); undefined when the child is absent. */
  optList<T>(local: string, itemLocal: string, read: (item: Fields) => T): T[] | undefined {
    const wrapper = this.opt(local);
    if (wrapper === undefined) return undefined;
    const out: T[] = [];
    const base = `${this.path}/${local}/${itemLocal}`;
    for (const c of wrapper.children) {
      if (c.local === itemLocal && c.ns === wrapper.ns) out.push(read(new Fields(c, base)));
    }
    return out;
  }
}

const INT_RE = /^\s*[+-]?\d{1,10}\s*$/;

/** xs:int: decimal, 32-bit signed. */
export function parseInt32(text: string, field: string): number {
  const n = INT_RE.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw soapMalformed(`${field} is not a 32-bit integer: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return n;
}

/** xs:boolean: `true`, `false`, `1`, `0` (surrounding whitespace allowed). */
export function parseBool(text: string, field: string): boolean {
  switch (text.trim()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw soapMalformed(`${field} is not a boolean: ${JSON.stringify(text.slice(0, 40))}`);
  }
}

/** Wraps a serialised request body element in a SOAP 1.1 envelope. */
export function writeRequestEnvelope(bodyXml: string): string {
  return REQUEST_OPEN + bodyXml + ENVELOPE_CLOSE;
}

/** Wraps a serialised response (or fault) body element in a SOAP 1.1 envelope, as ASP.NET does. */
export function writeResponseEnvelope(bodyXml: string): string {
  return RESPONSE_OPEN + bodyXml + ENVELOPE_CLOSE;
}
