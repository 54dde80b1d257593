/**
 * Writing side of the codec: XML escaping and a tiny append-only builder.
 *
 * Envelopes are small, but two responses are not (a revision list of tens of thousands of
 * identities, 100 update documents). The builder collects parts in an array and joins once, so
 * building is linear in the output size.
 */
import { SupsyncError } from '../../shared/errors.ts';

/** Characters XML 1.0 cannot carry at all, not even as a character reference; lone surrogates too. */
const FORBIDDEN_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * One character class covering everything that needs a second look (specials, forbidden characters,
 * any surrogate). Most values (GUIDs, numbers, anchors) contain none and are returned as they are.
 */
const NEEDS_WORK = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Written as references because a parser normalises literal CR (and, in attributes, TAB/LF) away.
  '\r': '&#xD;',
  '\t': '&#x9;',
  '\n': '&#xA;',
};

function replaceSpecial(ch: string): string {
  return REPLACEMENTS[ch] ?? ch;
}

function assertWritable(value: string): void {
  const bad = FORBIDDEN_CHAR.exec(value);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new SupsyncError('XML_MALFORMED', `cannot write character U+${code} (at index ${bad.index}) in XML 1.0 text`);
  }
}

/**
 * Escapes character data the way ASP.NET's serializer does: `&`, `<`, `>` (and CR, which a reader
 * would otherwise turn into LF); quotes stay literal.
 * @throws SupsyncError `XML_MALFORMED` when the text holds a character XML 1.0 cannot represent.
 */
export function escapeXmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  assertWritable(value);
  return value.replace(TEXT_SPECIAL, replaceSpecial);
}

/**
 * Escapes an attribute value for a double-quoted attribute.
 * @throws SupsyncError `XML_MALFORMED` when the value holds a character XML 1.0 cannot represent.
 */
export function escapeXmlAttribute(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  assertWritable(value);
  return value.replace(ATTR_SPECIAL, replaceSpecial);
}

/**
 * Append-only XML builder producing the compact form WSUS writes: no whitespace between elements,
 * `<Name />` for empty elements. Element names are trusted constants; text is always escaped.
 */
export class XmlWriter {
  private readonly parts: string[] = [];

  /** Appends already-serialised XML as is. */
  raw(xml: string): this {
    this.parts.push(xml);
    return this;
  }

  /** Opens `<name>`, or `<name xmlns="ns">` when a default namespace is given. */
  open(name: string, defaultNs?: string): this {
    this.parts.push(defaultNs === undefined ? `<${name}>` : `<${name} xmlns="${escapeXmlAttribute(defaultNs)}">`);
    return this;
  }

  close(name: string): this {
    this.parts.push(`</${name}>`);
    return this;
  }

  /** Writes `<name />`. */
  empty(name: string, defaultNs?: string): this {
    this.parts.push(defaultNs === undefined ? `<${name} />` : `<${name} xmlns="${escapeXmlAttribute(defaultNs)}" />`);
    return this;
  }

  /** Writes a text leaf; the empty string gives `<name />`, as ASP.NET writes it. */
  leaf(name: string, text: string): this {
    this.parts.push(text === '' ? `<${name} />` : `<${name}>${escapeXmlText(text)}</${name}>`);
    return this;
  }

  /** Writes a text leaf when the value is defined; absent values are omitted (minOccurs 0). */
  optionalLeaf(name: string, text: string | undefined): this {
    return text === undefined ? this : this.leaf(name, text);
  }

  /** Writes `true`/`false`. */
  bool(name: string, value: boolean): this {
    this.parts.push(`<${name}>${value ? 'true' : 'false'}</${name}>`);
    return this;
  }

  /** Writes an integer. */
  int(name: string, value: number): this {
    if (!Number.isSafeInteger(value))
      throw new SupsyncError('SOAP_MALFORMED', `${name} must be an integer, got ${value}`);
    this.parts.push(`<${name}>${value}</${name}>`);
    return this;
  }

  /**
   * Writes a wrapper element around a list, or `<name />` when the list is empty, calling `item`
   * for each entry (no closure is kept per entry).
   */
  list<T>(name: string, items: readonly T[], item: (w: XmlWriter, value: T) => void): this {
    if (items.length === 0) return this.empty(name);
    this.open(name);
    for (const value of items) item(this, value);
    return this.close(name);
  }

  /** Joins everything written so far. */
  toString(): string {
    return this.parts.join('');
  }
}
