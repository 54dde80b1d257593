/**
 * A small, safe, streaming XML reader on top of saxes: namespace-aware, prefix-independent, and
 * refusing every DTD. It builds a light element tree that the SOAP codec walks.
 *
 * Why a tree and not callbacks all the way: SOAP bodies are read order-insensitively (WSUS and
 * Microsoft Update order some children differently), which is simplest on a tree. The tree is kept
 * cheap for the one big message (`GetRevisionIdList`, tens of MB): one plain object per element, a
 * shared empty array for leaves, text as one string, and no closure per node.
 */
import { TextDecoder } from 'node:util';
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';
import { SaxesParser } from 'saxes';
import { SupsyncError } from '../../shared/errors.ts';

/** One attribute, identified by namespace URI (`''` when unqualified) and local name. */
export interface XmlAttribute {
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

/** One element of a parsed document. Namespace declarations are not kept as attributes. */
export interface XmlElement {
  /** Namespace URI, `''` for an element in no namespace. */
  readonly ns: string;
  readonly local: string;
  readonly attrs: readonly XmlAttribute[];
  /** Child elements in document order, except those an {@link ItemCollector} consumed. */
  readonly children: readonly XmlElement[];
  /**
   * The element's own character data (CDATA included), entities already resolved. Whitespace-only
   * text after the first child element is left out.
   */
  readonly text: string;
  /** Values an {@link ItemCollector} made from this element's children, in document order. */
  readonly items?: readonly unknown[];
}

/**
 * Turns the items of one long list into values while parsing: each item element is handed to
 * `read` as soon as it closes and is not kept in the tree. Keeping 100,000 small subtrees alive
 * until the end of a `GetRevisionIdList` body costs about twice the parse itself in allocation and
 * garbage collection; converting them on the fly does not.
 */
export interface ItemCollector {
  /** Namespace of both the list element and its items. */
  readonly ns: string;
  /** Local name of the list element, e.g. `NewRevisions`. */
  readonly list: string;
  /** Local name of the item elements, e.g. `UpdateIdentity`. */
  readonly item: string;
  /** Converts one complete item; may throw to reject the document. */
  readonly read: (item: XmlElement) => unknown;
}

/** What the reader accepts: a whole document, or its UTF-8 bytes in chunks (Node stream, undici body). */
export type XmlInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** Limits that keep hostile input from costing more than a legitimate message. */
export interface ReadXmlOptions {
  /** Deepest element nesting accepted; WSUSSS messages stay under 10. Default 64. */
  readonly maxDepth?: number;
  /** Lists to convert while parsing instead of building their subtrees. */
  readonly collectors?: readonly ItemCollector[];
}

const DEFAULT_MAX_DEPTH = 64;
const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const NO_ATTRS: readonly XmlAttribute[] = Object.freeze([]);
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);
/** Kept between chunks: its last 8 characters find a `<!DOCTYPE` split across two chunks. */
const DOCTYPE_MARK = '<!DOCTYPE';
/** The start of an element tag (comments, PIs and declarations start with `<!` or `<?`). */
const START_TAG = /<[^!?/]/;
const WHITESPACE_ONLY = /^[ \t\r\n]*$/;

/** Mutable while building; handed out as the readonly {@link XmlElement}. */
interface BuildNode {
  ns: string;
  local: string;
  attrs: readonly XmlAttribute[];
  children: XmlElement[] | readonly XmlElement[];
  text: string;
  items?: unknown[];
}

/**
 * Incremental tree builder around one saxes parser. Handlers are bound once; per element it only
 * allocates the node (and an array when the element has children or attributes).
 */
class TreeBuilder {
  private readonly parser = new SaxesParser({ xmlns: true });
  private readonly stack: BuildNode[] = [];
  private readonly maxDepth: number;
  private readonly collectors: readonly ItemCollector[];
  private root: BuildNode | undefined;
  /** Last characters of the prolog seen so far; undefined once the root start tag was seen. */
  private prologTail: string | undefined = '';

  constructor(options: ReadXmlOptions | undefined) {
    this.maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.collectors = options?.collectors ?? [];
    const p = this.parser;
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', () => this.close());
    p.on('text', (t) => this.appendText(t));
    p.on('cdata', (t) => this.appendText(t));
    // saxes reads but never applies a DTD; refusing it outright also rules out any attempt to
    // declare entities, and keeps the error distinct from plain malformation.
    p.on('doctype', () => {
      throw dtdError();
    });
    p.on('error', (err) => {
      throw malformed(p.line, p.column, err.message);
    });
  }

  /** Feeds the next piece of the document. */
  feed(chunk: string): void {
    if (this.prologTail !== undefined) this.scanProlog(chunk);
    this.parser.write(chunk);
  }

  /**
   * A DTD can only stand before the root element. Spotting `<!DOCTYPE` in the raw prolog refuses a
   * billion-laughs or an oversized internal subset before saxes buffers it up to the closing `]>`;
   * the `doctype` handler stays as the backstop for anything this quick scan misses.
   */
  private scanProlog(chunk: string): void {
    const window = this.prologTail + chunk;
    const rootStart = window.search(START_TAG);
    const doctype = window.indexOf(DOCTYPE_MARK);
    if (doctype >= 0 && (rootStart < 0 || doctype < rootStart)) throw dtdError();
    this.prologTail = rootStart >= 0 ? undefined : window.slice(-(DOCTYPE_MARK.length - 1));
  }

  /** Ends the document and returns its root element. */
  finish(): XmlElement {
    this.parser.close();
    if (this.root === undefined) throw malformed(this.parser.line, this.parser.column, 'no root element');
    return this.root;
  }

  private open(tag: SaxesTagNS): void {
    if (this.stack.length >= this.maxDepth) {
      throw malformed(this.parser.line, this.parser.column, `elements nested deeper than ${this.maxDepth}`);
    }
    const node: BuildNode = {
      ns: tag.uri,
      local: tag.local,
      attrs: readAttributes(tag.attributes),
      children: NO_CHILDREN,
      text: '',
    };
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) this.root = node;
    else if (parent.children === NO_CHILDREN) parent.children = [node];
    else (parent.children as XmlElement[]).push(node);
    // saxes reports a self-closing tag with a closetag event too, so push unconditionally.
    this.stack.push(node);
  }

  private close(): void {
    const node = this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (node === undefined || parent === undefined) return;
    for (const c of this.collectors) {
      if (node.local === c.item && parent.local === c.list && node.ns === c.ns && parent.ns === c.ns) {
        // The item was appended to its parent when it opened; it is always the last child.
        (parent.children as XmlElement[]).pop();
        const value = c.read(node);
        if (parent.items === undefined) parent.items = [value];
        else parent.items.push(value);
        return;
      }
    }
  }

  private appendText(text: string): void {
    const top = this.stack[this.stack.length - 1];
    // Whitespace around the root element is not content; saxes rejects anything else there.
    if (top === undefined) return;
    // Indentation between child elements is not content either; dropping it keeps a pretty-printed
    // list of 100,000 items from growing its parent's text out of 100,000 pieces.
    if (top.children !== NO_CHILDREN && WHITESPACE_ONLY.test(text)) return;
    top.text += text;
  }
}

function readAttributes(attributes: Record<string, SaxesAttributeNS>): readonly XmlAttribute[] {
  let out: XmlAttribute[] | undefined;
  for (const name in attributes) {
    const a = attributes[name];
    if (a === undefined || a.uri === XMLNS_URI) continue;
    const attr = { ns: a.uri, local: a.local, value: a.value };
    if (out === undefined) out = [attr];
    else out.push(attr);
  }
  return out ?? NO_ATTRS;
}

function dtdError(): SupsyncError {
  return new SupsyncError(
    'XML_DTD_FORBIDDEN',
    'XML document carries a DOCTYPE/DTD; DTDs and entity declarations are refused',
  );
}

function malformed(line: number, column: number, reason: string): SupsyncError {
  // saxes prefixes its messages with "line:column: "; the position is reported separately.
  const clean = reason.replace(/^\d+:\d+: /, '');
  return new SupsyncError('XML_MALFORMED', `XML is not well-formed at line ${line}, column ${column + 1}: ${clean}`, {
    details: { line, column: column + 1 },
  });
}

function isAsyncIterable(input: XmlInput): input is AsyncIterable<Uint8Array | string> {
  return typeof input === 'object' && input !== null && Symbol.asyncIterator in input;
}

/** Decodes UTF-8 strictly: a broken byte sequence is malformed XML, not replacement characters. */
function utf8Decoder(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true });
}

function decodeOrThrow(decoder: TextDecoder, bytes: Uint8Array | undefined, stream: boolean): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream });
  } catch (err) {
    throw new SupsyncError('XML_MALFORMED', 'XML document is not valid UTF-8', { cause: err });
  }
}

/**
 * Parses a whole in-memory document (string or UTF-8 bytes; a UTF-8 BOM is skipped).
 * @throws SupsyncError `XML_MALFORMED` (with line and column) or `XML_DTD_FORBIDDEN`.
 */
export function readXmlSync(input: string | Uint8Array, options?: ReadXmlOptions): XmlElement {
  const builder = new TreeBuilder(options);
  builder.feed(typeof input === 'string' ? input : decodeOrThrow(utf8Decoder(), input, false));
  return builder.finish();
}

/**
 * Parses a document given whole or as a stream of chunks. Chunks are decoded and parsed as they
 * arrive, so a large body never has to exist as one string.
 * @throws SupsyncError `XML_MALFORMED` (with line and column) or `XML_DTD_FORBIDDEN`.
 */
export async function readXml(input: XmlInput, options?: ReadXmlOptions): Promise<XmlElement> {
  if (!isAsyncIterable(input)) return readXmlSync(input, options);
  const builder = new TreeBuilder(options);
  const decoder = utf8Decoder();
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decodeOrThrow(decoder, chunk, true);
    if (text.length > 0) builder.feed(text);
  }
  const rest = decodeOrThrow(decoder, undefined, false);
  if (rest.length > 0) builder.feed(rest);
  return builder.finish();
}
